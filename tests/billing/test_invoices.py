"""Invoices: made from the works order, numbered once, never changed afterwards."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from billing import services
from billing.models import Invoice, InvoiceIsIssued, InvoiceLine
from tests.billing.conftest import ready_job
from tickets.models import Event, TimelineEntry
from tickets.services import LineData


def test_it_issues_the_invoice_from_the_works_order_lines(personas, ready):
    invoice = services.invoice_issue(works_order=ready, by=personas.front_desk)
    assert invoice.number == "INV-000001"
    assert (invoice.net, invoice.vat, invoice.gross) == (
        Decimal("120.00"),
        Decimal("24.00"),
        Decimal("144.00"),
    )
    lines = list(invoice.lines.all())
    assert [line.description for line in lines] == ["iPhone 13 screen", "Fitting"]
    assert invoice.works_order_number == ready.number
    assert invoice.supplier_name == "Fix Corner Repairs"
    assert invoice.customer_name == ready.customer.full_name
    assert TimelineEntry.objects.for_shop(personas.shop).filter(event=Event.BILLING).exists()


def test_it_returns_the_issued_invoice_when_asked_again(personas, ready):
    first = services.invoice_issue(works_order=ready, by=personas.front_desk)
    again = services.invoice_issue(works_order=ready, by=personas.manager)
    assert again.pk == first.pk
    assert Invoice.objects.for_shop(personas.shop).count() == 1


def test_it_invoices_the_final_price_to_the_penny(personas):
    works_order = ready_job(
        personas,
        lines=[LineData(description="Battery", unit_price=Decimal("41.67"))],
        final_price=Decimal("45.00"),
    )
    invoice = services.invoice_issue(works_order=works_order, by=personas.front_desk)
    assert invoice.gross == Decimal("45.00")
    adjustment = invoice.lines.get(description="Adjustment to the agreed final price")
    assert adjustment.net + adjustment.vat == adjustment.gross
    assert adjustment.kind == "discount"


def test_it_does_not_invoice_a_job_that_is_not_ready(personas):
    from tests.factories import WorksOrderFactory

    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    with pytest.raises(ValidationError, match="invoiced once it is ready"):
        services.invoice_issue(works_order=works_order, by=personas.front_desk)


def test_an_issued_invoice_cannot_be_changed(personas, ready):
    invoice = services.invoice_issue(works_order=ready, by=personas.front_desk)
    invoice.gross = Decimal("1.00")
    with pytest.raises(InvoiceIsIssued):
        invoice.save()
    line = invoice.lines.first()
    line.description = "Something else"
    with pytest.raises(InvoiceIsIssued):
        line.save()
    with pytest.raises(InvoiceIsIssued):
        invoice.delete()
    # Nor by a queryset, which passes save() by: the database refuses.
    for model in (Invoice, InvoiceLine):
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            model.objects.for_shop(personas.shop).update(vat=Decimal("0"))
    invoice.refresh_from_db()
    assert invoice.gross == Decimal("144.00")


def test_a_credit_note_has_its_own_series_and_never_exceeds_the_invoice(personas, ready):
    invoice = services.invoice_issue(works_order=ready, by=personas.front_desk)
    with pytest.raises(ValidationError, match="Only a manager"):
        services.credit_note_issue(
            invoice=invoice, amount=Decimal("10"), reason="Scratch", by=personas.front_desk
        )
    note = services.credit_note_issue(
        invoice=invoice, amount=Decimal("24.00"), reason="Scratch on the case", by=personas.manager
    )
    assert note.number == "CN-000001" and note.credits == invoice
    assert (note.net, note.vat, note.gross) == (Decimal("20.00"), Decimal("4.00"), Decimal("24.00"))
    with pytest.raises(ValidationError, match=r"At most £120\.00"):
        services.credit_note_issue(
            invoice=invoice, amount=Decimal("120.01"), reason="Too much", by=personas.manager
        )
    assert services.amount_owed(ready) == Decimal("120.00")


def test_each_repair_line_states_its_warranty_and_each_part_its_grade(personas):
    from parts.models import PartStatus, WorksOrderPart
    from pricebook.models import PricebookEntry, RepairType
    from tests.factories import PartFactory

    works_order = ready_job(
        personas,
        lines=[
            LineData(description="Screen", unit_price=Decimal("80.00"), kind="part"),
            LineData(description="Fitting", unit_price=Decimal("20.00"), kind="labour"),
            LineData(description="Case", unit_price=Decimal("5.00"), kind="other"),
        ],
    )
    repair = RepairType.objects.create(shop=personas.shop, name="Screen replacement")
    model = works_order.device.device_model
    if model is None:
        from devices.models import DeviceModel

        model = DeviceModel.objects.create(shop=personas.shop, make="Apple", name="iPhone 13")
        works_order.device.device_model = model
        works_order.device.save()
    PricebookEntry.objects.create(
        shop=personas.shop, device_model=model, repair_type=repair, warranty_days=180
    )
    works_order.repair_type = repair
    works_order.save(update_fields=["repair_type"])
    part = PartFactory(shop=personas.shop, grade="oem")
    WorksOrderPart.objects.create(
        shop=personas.shop,
        works_order=works_order,
        part=part,
        status=PartStatus.USED,
        added_by=personas.technician,
    )
    invoice = services.invoice_issue(works_order=works_order, by=personas.front_desk)
    screen, fitting, case = invoice.lines.all()
    assert (screen.warranty_days, screen.part_grade) == (180, "oem")
    assert (fitting.warranty_days, fitting.part_grade) == (180, "")
    assert (case.warranty_days, case.part_grade) == (None, "")


def test_the_final_price_is_fixed_once_the_invoice_is_issued(personas, ready):
    from tickets.services import final_price_set

    services.invoice_issue(works_order=ready, by=personas.front_desk)
    with pytest.raises(ValidationError, match="INV-000001 is issued"):
        final_price_set(
            works_order=ready, amount=Decimal("10.00"), reason="Cheaper", by=personas.manager
        )
