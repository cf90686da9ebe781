"""At least one row in every table, for the backup round trip (tests/test_backup.py).

`fill_every_table(personas)` runs a working day through the real services (bookings in every
state, parts, an invoice and payments, messages, a photo) and then, for each table still empty,
its filler from FILLERS. The round-trip test fails on any table left empty, naming it.

Added a table? Give it a row here: either the day's work already creates one, or write

    @fills("myapp_mything")
    def _(p: Personas) -> None:
        MyThing.objects.create(shop=p.shop, ...)

Fillers run in the order written, each only while its table is empty.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from tests.conftest import Personas
from tests.factories import (
    CustomerFactory,
    PartFactory,
    PriceOptionFactory,
    SupplierFactory,
    SupplierPartFactory,
    WorksOrderFactory,
)

FILLERS: dict[str, Callable[[Personas], None]] = {}


def fills(table: str) -> Callable:
    def register(filler: Callable[[Personas], None]) -> Callable[[Personas], None]:
        FILLERS[table] = filler
        return filler

    return register


def table_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
        )
        return [name for (name,) in cursor.fetchall()]


def empty_tables() -> list[str]:
    empty = []
    with connection.cursor() as cursor:
        for name in table_names():
            cursor.execute(f'SELECT NOT EXISTS (SELECT FROM "{name}")')
            if cursor.fetchone()[0]:
                empty.append(name)
    return empty


def photo() -> ContentFile:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    return ContentFile(buffer.getvalue(), name="front.jpg")


def working_day(p: Personas) -> None:
    """A day at the shop through the services: what most tables hold."""
    from parts import services as parts
    from tests.payments import pay_in_full
    from tickets import services as tickets
    from tickets.lifecycle import works_order_advance
    from tickets.services import ConsentData, LineData

    desk, jack, manager = p.front_desk, p.technician, p.manager
    consent = ConsentData(method="on_behalf", signed_name="Dee Whitfield")
    customer = CustomerFactory(shop=p.shop, full_name="Dee Whitfield")
    screen = PartFactory(shop=p.shop, name="iPhone 13 screen (OEM)")
    supplier = SupplierFactory(shop=p.shop, name="Mobile Parts Direct")
    SupplierPartFactory(part=screen, supplier=supplier)
    parts.stock_receive(part=screen, branch=p.branch, quantity=3, by=manager)
    parts.stock_level_set(part=screen, branch=p.branch, reorder_point=5, reorder_quantity=5)
    order = parts.purchase_order_create(supplier=supplier, branch=p.branch, by=manager)
    parts.purchase_order_add_line(order=order, part=screen, quantity=2)
    parts.purchase_order_send(order=order, by=manager)
    parts.stock_take_start(branch=p.other_branch, by=manager)
    PriceOptionFactory(shop=p.shop, entry__shop=p.shop)

    job = WorksOrderFactory(
        branch=p.branch, by=desk, customer=customer, consent=consent, passcode="1234"
    )
    tickets.photos_add(works_order=job, images=[photo()], by=desk)
    tickets.note_add(works_order=job, text="Careful: bent frame", kind="internal", by=desk)
    works_order_advance(works_order=job, step="assign", by=desk, technician=jack)
    works_order_advance(works_order=job, step="start", by=jack)
    tickets.time_entry_add(works_order=job, technician=jack, minutes=30, note="", by=jack)
    tickets.extra_work_add(
        works_order=job,
        line=LineData(description="New battery", unit_price=Decimal("300.00")),
        reason="Swollen battery",
        by=jack,
    )
    job.refresh_from_db()
    if job.status == "awaiting_approval":
        tickets.approval_record(works_order=job, approved=True, method="phone", by=desk)
        job.refresh_from_db()
    works_order_advance(
        works_order=job,
        step="submit_for_qc",
        by=jack,
        amount=Decimal("400.00"),
        reason="Battery added with the customer's approval",
    )
    checks = {item: {"ok": True, "note": ""} for item in p.shop.qc_checklist}
    works_order_advance(works_order=job, step="pass_qc", by=p.second_technician, results=checks)
    pay_in_full(job, desk)
    works_order_advance(
        works_order=job, step="collect", by=desk, signed_name="Dee Whitfield", signature_png=None
    )
    tickets.works_order_cancel(
        works_order=WorksOrderFactory(branch=p.branch, by=desk, customer=customer),
        reason="Customer changed their mind",
        by=desk,
    )


# Tables the day's work leaves empty -------------------------------------------------------


@fills("auth_group")
def _(p: Personas) -> None:
    group = Group.objects.create(name="Support")
    group.permissions.add(Permission.objects.first())
    p.owner.user.groups.add(group)


@fills("shops_user_user_permissions")
def _(p: Personas) -> None:
    p.owner.user.user_permissions.add(Permission.objects.first())


@fills("django_admin_log")
def _(p: Personas) -> None:
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.create(
        user=p.owner.user,
        content_type=ContentType.objects.get_for_model(p.shop),
        object_id=str(p.shop.pk),
        object_repr=str(p.shop),
        action_flag=CHANGE,
        change_message="Renamed",
    )


@fills("django_session")
def _(p: Personas) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["shop_id"] = p.shop.pk
    session.create()


@fills("axes_accessattempt")
def _(p: Personas) -> None:
    from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog

    fields = {"user_agent": "Test", "ip_address": "10.0.0.1", "username": "desk@example.com"}
    fields |= {"http_accept": "*/*", "path_info": "/sign-in/"}
    attempt = AccessAttempt.objects.create(
        **fields, get_data="", post_data="", failures_since_start=1
    )
    AccessAttemptExpiration.objects.create(
        access_attempt=attempt, expires_at=timezone.now() + datetime.timedelta(minutes=15)
    )
    AccessFailureLog.objects.create(**fields, locked_out=False)
    AccessLog.objects.create(**fields, session_hash="0" * 64)


def _job(p: Personas):
    from tickets.models import WorksOrder

    return WorksOrder.objects.for_shop(p.shop).order_by("pk").first()


def _part(p: Personas):
    from parts.models import Part

    return Part.objects.for_shop(p.shop).order_by("pk").first()


def _invoice(p: Personas):
    from billing.models import Invoice

    return Invoice.objects.for_shop(p.shop).order_by("pk").first()


def _row(model_label: str, **fields) -> None:
    from django.apps import apps

    apps.get_model(model_label).objects.create(**fields)


@fills("shops_openinghours")
def _(p: Personas) -> None:
    _row("shops.OpeningHours", shop=p.shop, branch=p.branch, weekday=0,
         opens=datetime.time(9), closes=datetime.time(17))  # fmt: skip


@fills("shops_closeddate")
def _(p: Personas) -> None:
    _row("shops.ClosedDate", shop=p.shop, branch=p.branch, date=datetime.date(2026, 12, 25))


@fills("shops_invitation")
def _(p: Personas) -> None:
    _row("shops.Invitation", shop=p.shop, email="nia@example.com", role="technician",
         token_hash="0" * 64, invited_by=p.owner,
         expires_at=timezone.now() + datetime.timedelta(days=7))  # fmt: skip


@fills("tickets_slatarget")
def _(p: Personas) -> None:
    _row("tickets.SlaTarget", shop=p.shop, priority="urgent", unit="hours", amount=4)


@fills("tickets_slaclock")
def _(p: Personas) -> None:
    now = timezone.now()
    _row("tickets.SlaClock", shop=p.shop, branch=p.branch, works_order=_job(p), due_at=now,
         risk_at=now, next_at=now)  # fmt: skip


@fills("tickets_slacrossing")
def _(p: Personas) -> None:
    now = timezone.now()
    _row("tickets.SlaCrossing", shop=p.shop, works_order=_job(p), branch=p.branch,
         threshold="at_risk", due_at=now, crossed_at=now)  # fmt: skip


@fills("parts_partcompatibility")
def _(p: Personas) -> None:
    from devices.models import DeviceModel

    model = DeviceModel.objects.filter(shop=p.shop).first() or DeviceModel.objects.first()
    _row("parts.PartCompatibility", shop=p.shop, part=_part(p), device_model=model)


@fills("parts_partunit")
def _(p: Personas) -> None:
    _row("parts.PartUnit", shop=p.shop, part=_part(p), number="SN-0001")


@fills("parts_worksorderpart")
def _(p: Personas) -> None:
    _row("parts.WorksOrderPart", shop=p.shop, works_order=_job(p), part=_part(p),
         added_by=p.technician)  # fmt: skip


@fills("parts_stocktakeline")
def _(p: Personas) -> None:
    from parts.models import StockTake

    take = StockTake.objects.for_shop(p.shop).first()
    _row("parts.StockTakeLine", shop=p.shop, stock_take=take, part=_part(p), expected=3)


@fills("pricebook_optionpart")
def _(p: Personas) -> None:
    from pricebook.models import PriceOption

    option = PriceOption.objects.for_shop(p.shop).first()
    _row("pricebook.OptionPart", shop=p.shop, option=option, part=_part(p))


@fills("pricebook_pricebookimport")
def _(p: Personas) -> None:
    from pricebook.models import PricebookImport

    upload = PricebookImport(shop=p.shop, filename="prices.csv", uploaded_by=p.manager)
    upload.file.save("prices.csv", ContentFile(b"model,repair,grade,price\n"), save=False)
    upload.save()


@fills("notifications_deliveryreport")
def _(p: Personas) -> None:
    _row("notifications.DeliveryReport", provider_id="SM0001", status="delivered")


@fills("notifications_inboundmessage")
def _(p: Personas) -> None:
    _row("notifications.InboundMessage", shop=p.shop, provider_id="SM0002",
         sender="+447700900123", body="Is it ready?")  # fmt: skip


@fills("notifications_messagetemplate")
def _(p: Personas) -> None:
    _row("notifications.MessageTemplate", shop=p.shop, stage="booked_in", channel="sms",
         body="Booked in: {number}")  # fmt: skip


@fills("notifications_alert")
def _(p: Personas) -> None:
    _row("notifications.Alert", shop=p.shop, member=p.manager, key="sla:1", text="At risk")


@fills("billing_paymentexemption")
def _(p: Personas) -> None:
    from tickets.models import WorksOrder

    cancelled = WorksOrder.objects.for_shop(p.shop).order_by("-pk").first()
    _row("billing.PaymentExemption", shop=p.shop, works_order=cancelled, kind="goodwill",
         note="Regular customer", granted_by=p.manager)  # fmt: skip


@fills("billing_documentpdf")
def _(p: Personas) -> None:
    from billing.models import DocumentPdf

    pdf = DocumentPdf(shop=p.shop, invoice=_invoice(p), version=1, format="a4")
    pdf.file.save("invoice.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
    pdf.save()


@fills("billing_tillday")
def _(p: Personas) -> None:
    zero = Decimal("0.00")
    _row("billing.TillDay", shop=p.shop, branch=p.branch, day=datetime.date(2026, 12, 1),
         expected_cash=zero, counted_cash=zero, difference=zero, taken=zero, payments=0,
         closed_by=p.manager)  # fmt: skip


@fills("billing_onlinecheckout")
def _(p: Personas) -> None:
    invoice = _invoice(p)
    _row("billing.OnlineCheckout", shop=p.shop, works_order_id=invoice.works_order_id,
         invoice=invoice, amount=Decimal("10.00"), attempt=1, session_id="cs_test_1",
         url="https://checkout.example/cs_test_1",
         expires_at=timezone.now() + datetime.timedelta(hours=1))  # fmt: skip


@fills("billing_stripeevent")
def _(p: Personas) -> None:
    _row("billing.StripeEvent", event_id="evt_1", type="checkout.session.completed")


@fills("reports_dailybranch")
def _(p: Personas) -> None:
    from reports.rollups import rollup_catch_up

    # The nightly beat, run as if tomorrow: today's jobs rolled up (and the mark set).
    rollup_catch_up(today=timezone.localdate() + datetime.timedelta(days=1))


@fills("reports_dailyduration")
def _(p: Personas) -> None:
    _row("reports.DailyDuration", shop=p.shop, branch=p.branch, day=datetime.date(2026, 11, 2),
         measure="started", seconds=7200, jobs=1)  # fmt: skip


@fills("reports_weeklysummary")
def _(p: Personas) -> None:
    _row("reports.WeeklySummary", shop=p.shop, member=p.manager, week=datetime.date(2026, 11, 30))


@fills("privacy_privacyrecord")
def _(p: Personas) -> None:
    _row("privacy.PrivacyRecord", shop=p.shop, customer=_job(p).customer, action="export",
         by=p.manager, summary={"works_orders": 1})  # fmt: skip


@fills("api_apikey")
def _(p: Personas) -> None:
    from api.services import api_key_create

    api_key_create(by=p.manager, name="Shop sync", scope="write")


@fills("api_webhookendpoint")
def _(p: Personas) -> None:
    from api.services import webhook_endpoint_create

    webhook_endpoint_create(
        by=p.manager, url="https://shop.example/hooks", topics=["invoice.issued"]
    )


@fills("api_webhookevent")
def _(p: Personas) -> None:
    # An invoice issued is heard by the endpoint above: its event and delivery are recorded.
    from api.models import Topic
    from api.webhooks import event_record

    event_record(shop_id=p.shop.pk, topic=Topic.INVOICE_ISSUED, source="invoice-0", payload={})


@fills("tickets_jobtemplate")
def _(p: Personas) -> None:
    from tickets.job_templates import job_template_save
    from tickets.models import JobTemplate

    template = JobTemplate(shop=p.shop, name="Annual tablet check", checklist=["Battery health"])
    line = {"kind": "labour", "description": "Check", "quantity": 1, "unit_price": Decimal("20")}
    job_template_save(template=template, lines=[line])


@fills("tickets_checklistitem")
def _(p: Personas) -> None:
    from tickets.job_templates import checklist_copy, checklist_tick
    from tickets.models import ChecklistItem, JobTemplate

    job = _job(p)
    checklist_copy(
        works_order=job, template=JobTemplate.objects.for_shop(p.shop).first(), by=p.manager
    )
    item = ChecklistItem.objects.for_shop(p.shop).filter(works_order=job).first()
    checklist_tick(item=item, done=True, by=p.manager)


@fills("tickets_branchtransfer")
def _(p: Personas) -> None:
    # A move recorded as the service writes it, received (the day's jobs stay where they are).
    _row("tickets.BranchTransfer", shop=p.shop, works_order=_job(p), from_branch=p.other_branch,
         to_branch=p.branch, reason="Specialist bench", moved_by=p.front_desk,
         received_by=p.manager, received_at=timezone.now())  # fmt: skip


@fills("recurring_schedule")
def _(p: Personas) -> None:
    from recurring.services import ScheduleData, schedule_create, visits_claim
    from tickets.models import JobTemplate

    job, first = _job(p), datetime.date(2027, 1, 4)
    data = ScheduleData(
        name="Fleet: monthly",
        customer=job.customer,
        devices=[job.device],
        branch=p.branch,
        template=JobTemplate.objects.for_shop(p.shop).first(),
        priority="standard",
        frequency="monthly",
        interval=1,
        starts_on=first,
        ends_on=None,
        lead_days=7,
    )
    schedule_create(data=data, by=p.front_desk)
    visits_claim(today=first)  # a visit claimed (recurring_visit), not yet booked in


@fills("loaners_loaner")
def _(p: Personas) -> None:
    # A loaner lent with the job and back again (loaners_loan), as the services write them.
    from loaners.services import loaner_add

    loaner = loaner_add(branch=_job(p).branch, name="iPhone 11", serial="F17ZK2LMN72",
                        condition="", by=p.manager)  # fmt: skip
    now = timezone.now()
    _row("loaners.Loan", shop=p.shop, loaner=loaner, works_order=_job(p), lent_by=p.front_desk,
         lent_at=now - datetime.timedelta(days=3), due_back=now.date(), returned_at=now,
         returned_by=p.front_desk, condition_back="As lent")  # fmt: skip


@fills("mailin_mailin")
def _(p: Personas) -> None:
    _row("mailin.MailIn", shop=p.shop, works_order=_job(p), carrier="royal_mail",
         inbound_tracking="AB123456789GB", state="received", created_by=p.front_desk)  # fmt: skip


@fills("booking_bookingsettings")
def _(p: Personas) -> None:
    from booking.services import booking_settings_save

    booking_settings_save(
        shop=p.shop,
        enabled=True,
        slot_minutes=30,
        days_ahead=14,
        notice_hours=2,
        embed_origins=["https://www.fixcorner.example"],
        per_slot={p.branch.pk: 2},  # booking_branchcapacity too
        by=p.manager,
    )


@fills("booking_slotcount")
def _(p: Personas) -> None:
    from booking.services import slot_claim

    starts_at = datetime.datetime(2027, 1, 4, 10, tzinfo=datetime.UTC)
    slot_claim(branch=p.branch, starts_at=starts_at, places=2)


def fill_every_table(p: Personas) -> list[str]:
    """Fill the database; returns the tables still empty (none, when every table is covered)."""
    working_day(p)
    for table, filler in FILLERS.items():
        if table in empty_tables():
            filler(p)
    return empty_tables()
