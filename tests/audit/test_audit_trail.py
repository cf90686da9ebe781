"""The audit trail: each tracked kind of change is recorded by the database with who, where,
before and after; the trail and the timeline are sealed; the page is for owners and managers."""

from decimal import Decimal

import pytest
from celery import shared_task
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

import tenancy
from audit.context import STATUS_PAGE, STRIPE, acting
from audit.models import Change
from billing import services as billing
from parts import services as stock
from pricebook import services as pricebook
from shops import services as shops
from shops.models import Role
from tests.billing.conftest import ready, ready_job  # noqa: F401
from tests.billing.test_online_payments import (  # noqa: F401
    invoiced,
    online_payments,
    post_event,
    session_paid,
    stripe_fake,
)
from tests.factories import PartFactory, PriceOptionFactory, WorksOrderFactory
from tests.notifications.test_status_page import answer, waiting_for_approval
from tests.tickets.test_lifecycle import advance, all_pass, at_qc
from tickets.models import TimelineEntry
from tickets.services import timeline_open_for_erasure

pytestmark = pytest.mark.django_db
URL = reverse("audit")


def changes(shop, table: str):
    return list(Change.objects.for_shop(shop).filter(table_name=table).order_by("id"))


def test_a_price_change_through_the_page_records_who_where_before_and_after(client_as, personas):
    option = PriceOptionFactory(shop=personas.shop, price=Decimal("89.00"))
    client = client_as(personas.manager)
    with acting(member=personas.manager):
        pricebook.option_save(
            entry=option.entry, grade=option.grade, price=Decimal("99.00"), option=option
        )
    (change,) = changes(personas.shop, "pricebook_priceoption")[-1:]
    assert change.action == "update" and change.kind == "prices"
    assert (change.before, change.after) == ({"price": 89.0}, {"price": 99.0})
    assert change.actor_member_id == personas.manager.pk
    assert change.actor == "Tom Fletcher"

    page = client.get(URL, {"kind": "prices"}).content.decode()
    assert "£89.00" in page and "£99.00" in page and "Tom Fletcher" in page
    assert reverse("pricebook_entry", args=[option.entry_id]) in page


def test_pricebook_rows_added_in_bulk_are_recorded_one_entry_each(personas):
    # The pricebook's inserts are recorded per statement (an import adds 70,000 rows at once):
    # each new row still has its own entry, as any other tracked table's would.
    from pricebook.models import PriceOption

    entry = PriceOptionFactory(shop=personas.shop).entry
    with acting(member=personas.manager):
        added = PriceOption.objects.bulk_create(
            [
                PriceOption(shop=personas.shop, entry=entry, grade=grade, price=Decimal(price))
                for grade, price in (("premium", "99.50"), ("economy", "59.00"))
            ]
        )
    recorded = changes(personas.shop, "pricebook_priceoption")[-2:]
    assert [c.object_id for c in recorded] == [o.pk for o in added]
    assert [(c.action, c.kind, c.before) for c in recorded] == [("insert", "prices", {})] * 2
    assert [c.after for c in recorded] == [
        {"entry_id": entry.pk, "grade": "premium", "price": 99.5},
        {"entry_id": entry.pk, "grade": "economy", "price": 59.0},
    ]
    assert {(c.actor_member_id, c.actor) for c in recorded} == {
        (personas.manager.pk, "Tom Fletcher")
    }
    # Left out as the trigger says: the entry's updated_at, every row's id and shop.
    (added_entry,) = changes(personas.shop, "pricebook_pricebookentry")
    assert added_entry.object_id == entry.pk and added_entry.works_order_id is None
    assert set(added_entry.after) == {
        "device_model_id", "repair_type_id", "labour_minutes", "warranty_days", "is_active"
    }  # fmt: skip
    # A statement that adds nothing (an import with no new options) records nothing.
    with acting(member=personas.manager), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO pricebook_priceoption (shop_id, entry_id, grade, price)"
            " SELECT shop_id, entry_id, grade, price FROM pricebook_priceoption WHERE false"
        )
    assert len(changes(personas.shop, "pricebook_priceoption")) == 3


def test_a_change_over_http_names_the_member_and_the_url(client_as, personas):
    client = client_as(personas.owner)
    response = client.post(
        reverse("staff_edit", args=[personas.technician.pk]),
        {"role": Role.MANAGER, "branches": [personas.branch.pk], "skills": []},
    )
    assert response.status_code in (200, 302)
    change = [
        c
        for c in changes(personas.shop, "shops_membership")
        if c.object_id == personas.technician.pk and "role" in c.after
    ][-1]
    assert (change.before["role"], change.after["role"]) == ("technician", "manager")
    assert change.actor_member_id == personas.owner.pk
    assert change.source == f"POST {reverse('staff_edit', args=[personas.technician.pk])}"
    page = client.get(URL, {"kind": "staff"}).content.decode()
    assert "Technician" in page and "Manager" in page and "Priya Shah" in page


def test_shop_settings_sla_and_opening_hours_are_recorded(personas):
    shop = personas.shop
    with acting(member=personas.owner):
        shop.approval_threshold = Decimal("15.00")
        shops.shop_update_settings(shop=shop, changed_terms=False)
        shops.branch_set_hours(branch=personas.branch, hours={0: ("08:00", "18:00")})
    (settings_change,) = changes(shop, "shops_shop")
    assert settings_change.kind == "settings" and settings_change.after == {
        "approval_threshold": 15.0
    }
    hours = changes(shop, "shops_openinghours")
    assert hours and all(c.actor_member_id == personas.owner.pk for c in hours)


def test_a_stock_adjustment_and_a_reorder_rule_are_recorded(personas):
    part = PartFactory(shop=personas.shop)
    with acting(member=personas.manager):
        stock.stock_level_set(
            part=part, branch=personas.branch, reorder_point=2, reorder_quantity=5
        )
        stock.stock_adjust(
            part=part,
            branch=personas.branch,
            change=3,
            reason="Found in a drawer",
            by=personas.manager,
        )
    (rule,) = changes(personas.shop, "parts_stocklevel")
    assert rule.kind == "stock" and rule.after["reorder_point"] == 2
    (adjusted,) = changes(personas.shop, "parts_stockmovement")
    assert adjusted.after["kind"] == "adjusted" and adjusted.after["reason"] == "Found in a drawer"
    assert adjusted.actor_member_id == personas.manager.pk


def test_qc_sign_off_is_recorded_with_the_signer(personas):
    works_order = at_qc(personas)
    with acting(member=personas.second_technician):
        advance(works_order, "pass_qc", personas.second_technician, results=all_pass(personas.shop))
    (signed,) = [c for c in changes(personas.shop, "tickets_worksorder") if c.kind == "approvals"]
    assert signed.kind == "approvals"
    assert signed.after["qc_signed_by_id"] == personas.second_technician.pk
    assert signed.works_order_id == works_order.pk


def test_an_approval_on_the_status_page_is_the_customers(client, personas):
    works_order = waiting_for_approval(personas)
    answer(client, works_order, "approve")
    decided = [c for c in changes(personas.shop, "tickets_approval") if c.action == "update"]
    assert decided and decided[-1].after["approved"] is True
    assert decided[-1].actor == STATUS_PAGE and decided[-1].actor_member_id is None
    assert decided[-1].source == "POST /s/…/answer/"  # the link's secret stays out of it


def test_an_invoice_and_a_payment_at_the_counter_are_recorded(personas, ready):  # noqa: F811
    with acting(member=personas.front_desk):
        billing.invoice_issue(works_order=ready, by=personas.front_desk)
        billing.payment_take(
            works_order=ready, method="cash", amount=Decimal("144.00"), by=personas.front_desk
        )
    (issued,) = changes(personas.shop, "billing_invoice")
    assert issued.kind == "invoices" and issued.after["gross"] == 144.0
    assert "customer_name" not in issued.after  # no customer's personal data in the trail
    (paid,) = changes(personas.shop, "billing_payment")
    assert paid.after["amount"] == 144.0 and paid.actor == "Amira Haddad"


def test_a_payment_from_a_stripe_webhook_is_stripes(client, stripe_fake, invoiced):  # noqa: F811
    _, (completed, _) = session_paid(client, stripe_fake, invoiced)
    assert post_event(client, completed).status_code == 200
    (payment,) = online_payments(invoiced)
    (recorded,) = [
        c for c in changes(invoiced.shop, "billing_payment") if c.object_id == payment.pk
    ]
    assert recorded.actor == STRIPE and recorded.source == "POST /hooks/stripe/"


@shared_task
def reprice(shop_id: int, option_id: int) -> None:
    from pricebook.models import PriceOption

    with tenancy.for_shop(shop_id):  # a task names its shop (tenancy.celery)
        PriceOption.objects.for_shop(shop_id).filter(pk=option_id).update(price=Decimal("1.00"))


def test_a_change_in_a_celery_task_is_the_systems_with_the_task_named(personas):
    option = PriceOptionFactory(shop=personas.shop, price=Decimal("5.00"))
    reprice.apply(args=[personas.shop.pk, option.pk])
    change = changes(personas.shop, "pricebook_priceoption")[-1]
    assert change.actor == "system" and change.actor_member_id is None
    assert change.source == f"task {reprice.name}"


def test_a_change_outside_any_context_is_the_systems_and_no_one_elses(client_as, personas):
    client_as(personas.manager).get(URL)  # a request came and went on this connection
    option = PriceOptionFactory(shop=personas.shop, price=Decimal("5.00"))
    change = changes(personas.shop, "pricebook_priceoption")[-1]
    assert option.pk == change.object_id
    assert (change.actor, change.actor_member_id, change.source) == ("system", None, "")


def test_an_audit_entry_cannot_be_changed_or_deleted(personas):
    PriceOptionFactory(shop=personas.shop)
    change = Change.objects.for_shop(personas.shop).first()
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        Change.objects.for_shop(personas.shop).filter(pk=change.pk).update(actor="someone")
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        Change.objects.for_shop(personas.shop).filter(pk=change.pk).delete()


def test_a_timeline_entry_cannot_be_changed_or_deleted(personas):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    entries = TimelineEntry.objects.for_shop(personas.shop).filter(works_order=works_order)
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        entries.update(text="rewritten")
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        entries.delete()


@pytest.mark.django_db(transaction=True)  # SET LOCAL lasts as long as a real transaction
def test_erasure_may_blank_timeline_text_in_its_own_transaction_only(personas):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    entries = TimelineEntry.objects.for_shop(personas.shop).filter(works_order=works_order)
    with transaction.atomic():
        timeline_open_for_erasure()
        entries.update(text="", data={})
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            entries.update(actor=None)  # who and when stay, even then
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            entries.delete()
    assert set(entries.values_list("text", flat=True)) == {""}
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        entries.update(text="again")  # the door closed with the transaction
    with pytest.raises(RuntimeError):
        timeline_open_for_erasure()  # outside a transaction it would do nothing


def test_technicians_and_the_front_desk_are_refused(client_as, personas):
    assert client_as(personas.technician).get(URL).status_code == 403
    assert client_as(personas.front_desk).get(URL).status_code == 403
    assert client_as(personas.owner).get(URL).status_code == 200


def test_another_shops_entries_are_never_shown(client_as, personas):
    mine = PriceOptionFactory(shop=personas.shop, price=Decimal("12.34"))
    with acting(member=personas.outsider):
        PriceOptionFactory(shop=personas.outsider.shop, price=Decimal("56.78"))
    page = client_as(personas.manager).get(URL).content.decode()
    assert "£12.34" in page and "£56.78" not in page
    outsider = client_as(personas.outsider).get(URL, {"object": f"pricebook_priceoption:{mine.pk}"})
    assert "£12.34" not in outsider.content.decode()


def test_filters_by_member_dates_object_and_works_order(client_as, personas):
    option = PriceOptionFactory(shop=personas.shop, price=Decimal("10.00"))
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    with acting(member=personas.owner):
        pricebook.option_save(
            entry=option.entry, grade=option.grade, price=Decimal("20.00"), option=option
        )
    client = client_as(personas.manager)
    by_owner = client.get(URL, {"member": personas.owner.pk}).context["page"].entries
    assert [e.change.actor_member_id for e in by_owner] == [personas.owner.pk]
    one = client.get(URL, {"object": f"pricebook_priceoption:{option.pk}"}).context["page"]
    assert {e.change.object_id for e in one.entries} == {option.pk}
    jobs = client.get(URL, {"works_order": works_order.number.lower()}).context["page"]
    assert jobs.entries and {e.change.works_order_id for e in jobs.entries} == {works_order.pk}
    old = client.get(URL, {"date_to": "2001-01-01"}).context["page"]
    assert old.entries == []
    refused = client.get(URL, {"works_order": "NOPE-1", "member": "x", "object": "x:1"})
    assert refused.status_code == 200
    assert "No works order has this number." in refused.content.decode()


def test_pages_go_back_in_time_by_keyset(client_as, personas, settings):
    import audit.selectors

    settings.DEBUG = False
    for price in range(7):
        PriceOptionFactory(shop=personas.shop, price=Decimal(price))
    audit.selectors.PER_PAGE, per_page = 3, audit.selectors.PER_PAGE
    try:
        client = client_as(personas.manager)
        seen, params = [], {"kind": "prices"}
        while True:
            page = client.get(URL, params).context["page"]
            seen += [e.change.pk for e in page.entries]
            if not page.older:
                break
            params = {"kind": "prices", "before": page.older}
    finally:
        audit.selectors.PER_PAGE = per_page
    expected = Change.objects.for_shop(personas.shop).filter(kind="prices").order_by("-at", "-id")
    assert seen == list(expected.values_list("pk", flat=True))
    assert client.get(URL, {"before": "99999999999999999999.1"}).status_code == 200


def test_the_page_reads_a_handful_of_queries_whatever_it_shows(
    client_as, personas, django_assert_max_num_queries
):
    client = client_as(personas.manager)
    for price in range(30):
        PriceOptionFactory(shop=personas.shop, price=Decimal(price))
    with acting(member=personas.owner):
        shops.shop_update_settings(shop=personas.shop, changed_terms=True)
    client.get(URL)  # the session warmed up
    with django_assert_max_num_queries(9):
        response = client.get(URL)
    assert response.status_code == 200 and len(response.context["page"].entries) > 30


def test_the_works_order_page_links_its_history_for_managers(client_as, personas):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    detail = reverse("works_order_detail", args=[works_order.number])
    history = f"{URL}?works_order={works_order.number}"
    assert history in client_as(personas.manager).get(detail).content.decode()
    assert history not in client_as(personas.technician).get(detail).content.decode()


def test_no_tracked_table_is_left_without_its_trigger():
    from audit.tracked import TABLES

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'audit\\_%%' AND c.relname <> 'audit_change'"
        )
        triggered = {name for (name,) in cursor.fetchall()}
    assert triggered == set(TABLES)
