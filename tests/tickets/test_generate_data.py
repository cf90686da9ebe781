"""manage.py generate_data: realistic data at scale that the app carries on from as if it had
been typed in at the counter."""

import datetime
import io
import itertools
import random
import re
import zoneinfo
from collections import defaultdict

import phonenumbers
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image
from stdnum import imei as stdnum_imei

from customers.models import Customer
from devices.models import Device
from pricebook.models import RepairType
from shops.models import Branch, Membership, MembershipBranch, NumberingScheme, Role, Shop
from shops.tenancy import ShopOwned
from tickets import scale
from tickets.models import (
    OPEN_STATUSES,
    Consent,
    Event,
    NumberCounter,
    SlaClock,
    Status,
    TimelineEntry,
    WorksOrder,
)
from tickets.services import works_order_book_in

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")

NUMBER_SHAPES = {
    NumberingScheme.SEQUENTIAL: re.compile(r"(WO)-(\d{6,})"),
    NumberingScheme.BRANCH_PREFIXED: re.compile(r"([A-Z]{2,5}-\d{4})-(\d{4,})"),
    NumberingScheme.DATE_BASED: re.compile(r"(\d{4}-\d{2})-(\d{3,})"),
}


@pytest.fixture(scope="module")
def shops(django_db_setup, django_db_blocker):
    """Three shops, one per numbering scheme, with 300 works orders between them; generated
    once for this module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        before = set(Shop.objects.values_list("pk", flat=True))
        scale.generate(shops=3, works_orders=300, seed=7)
        yield list(Shop.objects.exclude(pk__in=before).order_by("pk"))
        transaction.set_rollback(True)


def numbers_by_series(shop: Shop) -> dict[str, list[tuple]]:
    """series → [(sequence number, booked at)], from the works orders' numbers."""
    series = defaultdict(list)
    shape = NUMBER_SHAPES[shop.numbering]
    for number, created_at in WorksOrder.objects.for_shop(shop).values_list("number", "created_at"):
        match = shape.fullmatch(number)
        assert match, f"{number} is not a {shop.numbering} number"
        series[match[1]].append((int(match[2]), created_at))
    return series


def assert_gap_free(shop: Shop, *, in_booking_order: bool = True) -> None:
    """Each series runs 1…N without a gap, its counter says N, and (unless works orders were
    added into a shop with history of its own) the numbers follow the booking times."""
    counters = dict(NumberCounter.objects.for_shop(shop).values_list("series", "last"))
    found = numbers_by_series(shop)
    assert set(found) == set(counters)
    for series, numbers in found.items():
        order = (lambda pair: pair[1]) if in_booking_order else (lambda pair: pair[0])
        in_order = [n for n, _ in sorted(numbers, key=order)]
        assert in_order == list(range(1, len(numbers) + 1)), f"{shop.numbering} {series}"
        assert counters[series] == len(numbers)


def test_every_numbering_scheme_is_gap_free_per_series_in_booking_order(shops):
    assert {shop.numbering for shop in shops} == set(NumberingScheme)
    assert sum(WorksOrder.objects.for_shop(shop).count() for shop in shops) == 300
    for shop in shops:
        assert_gap_free(shop)


def test_the_next_booking_at_the_counter_gets_the_next_number(shops):
    for shop in shops:
        desk = Membership.objects.for_shop(shop).filter(role=Role.FRONT_DESK).first()
        branch = Branch.objects.for_shop(shop).get(
            pk=MembershipBranch.objects.for_shop(shop).filter(membership=desk).first().branch_id
        )
        device = Device.objects.for_shop(shop).select_related("customer").first()
        today = timezone.localdate(timezone=branch.tz)
        series, width = {
            NumberingScheme.SEQUENTIAL: ("WO", 6),
            NumberingScheme.BRANCH_PREFIXED: (f"{branch.code}-{today:%y%m}", 4),
            NumberingScheme.DATE_BASED: (f"{today:%y%m-%d}", 3),
        }[shop.numbering]
        counter = NumberCounter.objects.for_shop(shop).filter(series=series).first()
        following = (counter.last if counter else 0) + 1

        booked = works_order_book_in(
            branch=branch,
            customer=device.customer,
            device=device,
            by=desk,
            details={"fault_reported": "Will not charge"},
        )

        assert booked.number == f"{series}-{following:0{width}d}"
        assert_gap_free(shop)


def test_works_orders_cover_every_status_mostly_closed(shops):
    statuses = list(
        WorksOrder.objects.all_shops().filter(shop__in=shops).values_list("status", flat=True)
    )
    assert set(statuses) == set(Status.values)
    closed = sum(s in (Status.COLLECTED, Status.CANCELLED) for s in statuses)
    assert closed > len(statuses) * 0.6
    for shop in shops:  # each shop's board has something in every column
        open_here = WorksOrder.objects.for_shop(shop).filter(status__in=OPEN_STATUSES)
        assert set(open_here.values_list("status", flat=True)) == set(OPEN_STATUSES)


def test_imeis_and_phone_numbers_are_valid_and_unique_per_shop(shops):
    for shop in shops:
        imeis = list(Device.objects.for_shop(shop).exclude(imei="").values_list("imei", flat=True))
        assert imeis and all(stdnum_imei.is_valid(imei) for imei in imeis)
        assert len(set(imeis)) == len(imeis)
        customers = Customer.objects.for_shop(shop)
        phones = list(customers.values_list("phone", flat=True))
        assert all(
            p.startswith("+447") and phonenumbers.is_valid_number(phonenumbers.parse(p))
            for p in phones
        )
        assert len(set(phones)) == len(phones)
        emails = [e for e in customers.values_list("email", flat=True) if e]
        assert len(set(emails)) == len(emails) and all(e == e.lower() for e in emails)


def test_no_row_points_at_a_row_of_another_shop(shops):
    checked = 0
    for model in apps.get_models():
        if not issubclass(model, ShopOwned):
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.name != "shop":
                if not issubclass(field.related_model, ShopOwned):
                    continue
                rows = model.objects.all_shops().filter(shop__in=shops)
                crossing = rows.filter(**{f"{field.name}__isnull": False}).exclude(
                    **{f"{field.name}__shop": F("shop")}
                )
                assert not crossing.exists(), f"{model.__name__}.{field.name}"
                checked += rows.filter(**{f"{field.name}__isnull": False}).count()
    assert checked > 1000


def test_consent_is_recorded_for_exactly_the_works_orders_past_intake(shops):
    works_orders = WorksOrder.objects.all_shops().filter(shop__in=shops)
    status = dict(works_orders.values_list("pk", "status"))
    consented = set(
        Consent.objects.all_shops().filter(shop__in=shops).values_list("works_order_id", flat=True)
    )
    cancelled_at_intake = set(
        TimelineEntry.objects.all_shops()
        .filter(shop__in=shops, event=Event.CANCELLED, data__source=Status.INTAKE)
        .values_list("works_order_id", flat=True)
    )
    never_left_intake = {pk for pk, s in status.items() if s == Status.INTAKE}
    never_left_intake |= cancelled_at_intake
    assert cancelled_at_intake  # the generator does cancel some at the counter
    assert consented == set(status) - never_left_intake
    signed = Consent.objects.all_shops().filter(shop__in=shops, method="signature").first()
    assert Image.open(io.BytesIO(bytes(signed.signature_png))).format == "PNG"


def test_the_lifecycle_fields_and_timeline_agree_with_the_status(shops):
    now = timezone.now()
    steps = defaultdict(list)
    for works_order_id, at, data in (
        TimelineEntry.objects.all_shops()
        .filter(shop__in=shops)
        .order_by("at", "id")
        .values_list("works_order_id", "at", "data")
    ):
        assert at <= now
        if "target" in data:
            steps[works_order_id].append(data)
    for wo in WorksOrder.objects.all_shops().filter(shop__in=shops):
        moves = steps[wo.pk]
        assert (moves[-1]["target"] if moves else Status.INTAKE) == wo.status, wo.number
        assert all(a["target"] == b["source"] for a, b in itertools.pairwise(moves))
        left_intake = bool(moves) and moves[0]["step"] == "assign"
        assert (wo.assigned_to_id is not None) == left_intake, wo.number
        assert (wo.agreed_gross is not None) == (wo.status != Status.INTAKE and left_intake)
        if wo.status in (Status.READY, Status.COLLECTED):
            assert wo.final_price is not None and wo.ready_at is not None
            assert wo.qc_signed_by_id not in (None, wo.repaired_by_id, wo.assigned_to_id)
        if wo.status == Status.COLLECTED:
            assert wo.collected_at and wo.collected_by_name
        if wo.status == Status.CANCELLED:
            assert wo.cancelled_at and wo.cancel_reason
        assert wo.has_passcode <= wo.is_open  # erased on closure


def test_work_on_older_jobs_happens_while_the_branch_is_open(shops):
    """Steps after the counter visit (assignment, bench, QC, collection) fall in opening hours:
    Mon–Fri 9:00–17:30, Sat 10:00–16:00, closed on Sundays."""
    hours = {day: (9 * 60, 17 * 60 + 30) for day in range(5)} | {5: (10 * 60, 16 * 60)}
    month_ago = timezone.now() - datetime.timedelta(days=30)
    steps = TimelineEntry.objects.all_shops().filter(
        shop__in=shops, works_order__created_at__lt=month_ago
    )
    times = list(steps.exclude(event__in=[Event.BOOKED_IN, Event.CONSENT]).values_list("at"))
    assert len(times) > 500
    for (at,) in times:
        local = timezone.localtime(at, LONDON)
        opens, closes = hours[local.weekday()]
        assert opens <= local.hour * 60 + local.minute < closes, local


def test_every_job_carries_its_repair_type_and_sla_times(shops):
    ready_total = met_total = 0
    for shop in shops:
        types = dict(RepairType.objects.for_shop(shop).values_list("id", "name"))
        jobs = list(WorksOrder.objects.for_shop(shop))
        clocks = dict(SlaClock.objects.for_shop(shop).values_list("works_order_id", "next_at"))
        for wo in jobs:
            assert types[wo.repair_type_id] == scale.REPAIR_TYPE_OF[wo.fault_reported]
            assert wo.created_at < wo.sla_risk_at < wo.sla_due_at, wo.number
            local_due = timezone.localtime(wo.sla_due_at, LONDON)
            assert local_due.weekday() != 6, wo.number  # never due on a Sunday
            if wo.priority == "urgent":
                assert local_due.date() > timezone.localtime(wo.created_at, LONDON).date()
                assert (local_due.hour, local_due.minute) in ((17, 30), (16, 0))
            if wo.priority == "vip":
                assert wo.sla_due_at - wo.created_at < datetime.timedelta(days=3)
            stopped = {
                Status.READY: wo.ready_at,
                Status.COLLECTED: wo.ready_at,
                Status.CANCELLED: wo.cancelled_at,
            }.get(wo.status)
            if wo.status == Status.AWAITING_APPROVAL:
                assert wo.sla_paused_at is not None and wo.pk not in clocks
            else:
                assert wo.sla_paused_at == stopped, wo.number
            running = wo.is_open and wo.sla_paused_at is None
            assert clocks.get(wo.pk) == (wo.sla_risk_at if running else None), wo.number
        # The sweep has work in every shop: open jobs already past their at-risk time.
        now = timezone.now()
        assert any(next_at <= now for next_at in clocks.values()), shop.slug
        # Most finished jobs were ready in time.
        ready = [wo for wo in jobs if wo.ready_at]
        met = sum(wo.ready_at <= wo.sla_due_at for wo in ready)
        assert 0.75 * len(ready) <= met, shop.slug
        ready_total, met_total = ready_total + len(ready), met_total + met
    # Some were not (across the shops: a small shop may happen to have met every promise).
    assert met_total < ready_total


def test_the_backfill_gives_older_data_the_same_times_as_the_generator(shops):
    fields = ["repair_type_id", "sla_due_at", "sla_risk_at", "sla_paused_at"]
    shop = shops[1]
    jobs = WorksOrder.objects.for_shop(shop)
    generated = {row[0]: row[1:] for row in jobs.values_list("id", *fields)}
    clocks = SlaClock.objects.for_shop(shop)
    clock_fields = ["works_order_id", "branch_id", "due_at", "risk_at", "paused_at", "next_at"]
    generated_clocks = sorted(clocks.values_list(*clock_fields))
    jobs.update(**dict.fromkeys(fields))
    clocks.delete()

    assert scale.sla_backfill(shop_id=shop.pk) == len(generated)
    assert scale.sla_backfill(shop_id=shop.pk) == 0  # once only
    promised = jobs.filter(status=Status.INTAKE).first()  # promised by the app: kept
    jobs.filter(pk=promised.pk).update(repair_type=None, sla_due_at=promised.created_at)
    assert scale.sla_backfill(shop_id=shop.pk) == 1
    promised.refresh_from_db()
    assert promised.repair_type_id == generated[promised.pk][0]
    assert promised.sla_due_at == promised.created_at
    jobs.filter(pk=promised.pk).update(sla_due_at=generated[promised.pk][1])

    def same(got, wanted) -> bool:  # SQL and Python may round the risk time a microsecond apart
        if isinstance(wanted, datetime.datetime) and got is not None:
            return abs(got - wanted) <= datetime.timedelta(microseconds=1)
        return got == wanted

    for pk, *filled in jobs.values_list("id", *fields):
        for name, got, wanted in zip(fields, filled, generated[pk], strict=True):
            assert same(got, wanted), (pk, name)
    backfilled = sorted(clocks.values_list(*clock_fields))
    assert [row[0] for row in backfilled] == [row[0] for row in generated_clocks]
    for got_row, wanted_row in zip(backfilled, generated_clocks, strict=True):
        assert all(map(same, got_row, wanted_row)), got_row[0]


@pytest.mark.parametrize("keep_triggers", [False, True], ids=["batch checks", "triggers"])
def test_a_generated_row_pointing_into_another_shop_is_refused(shops, keep_triggers):
    shop, other = shops[0], shops[1]
    context = scale.load_context(shop, existing=True)
    stranger = Membership.objects.for_shop(other).filter(role=Role.TECHNICIAN).first()
    for branch in context.branches:
        branch.technicians = [scale.Member(stranger.pk, "Olly Outsider", Role.TECHNICIAN)]
    filler = scale.Filler(context, random.Random(1), scale.Progress(), keep_triggers=keep_triggers)
    before = WorksOrder.objects.for_shop(shop).count()

    with pytest.raises((scale.ForeignKeyViolation, IntegrityError)), transaction.atomic():
        filler.run(20, span_days=30, n_open=10)

    assert WorksOrder.objects.for_shop(shop).count() == before


def test_into_an_existing_shop_adds_open_work_at_a_new_staffed_branch(shops):
    shop = shops[0]
    customers_before = Customer.objects.for_shop(shop).count()

    scale.fill_shop(shop, 40, seed=3, existing=True, branch_code="BNCH", open_only=True)

    branch = Branch.objects.for_shop(shop).get(code="BNCH")
    added = WorksOrder.objects.for_shop(shop).filter(branch=branch)
    assert added.count() == 40
    assert set(added.values_list("status", flat=True)) == set(OPEN_STATUSES)
    staff = MembershipBranch.objects.for_shop(shop).filter(branch=branch)
    assert staff.filter(membership__role=Role.TECHNICIAN).count() >= 2
    assert staff.filter(membership__role=Role.FRONT_DESK).exists()
    assert Customer.objects.for_shop(shop).count() > customers_before
    # Booked "in the last fortnight" among the shop's own recent jobs: numbered after them.
    assert_gap_free(shop, in_booking_order=False)


def test_the_demo_shop_gets_a_lively_board(personas):
    scale.generate_demo_works_orders(personas.shop)

    works_orders = WorksOrder.objects.for_shop(personas.shop)
    assert works_orders.count() == 90
    assert works_orders.filter(number="WO-000090").exists()
    open_here = works_orders.filter(status__in=OPEN_STATUSES)
    assert open_here.count() >= 18
    assert set(open_here.values_list("status", flat=True)) == set(OPEN_STATUSES)
    # What is on the board came in lately, as in a shop that keeps up: no month-old jobs.
    fortnight_ago = timezone.now() - datetime.timedelta(days=14)
    assert not open_here.filter(created_at__lt=fortnight_ago).exists()
    assert_gap_free(personas.shop)


def test_the_command_reports_what_it_wrote():
    out = io.StringIO()
    call_command("generate_data", shops=1, works_orders=30, seed=2, jobs=1, stdout=out)
    assert "30 works orders in" in out.getvalue()
    assert "rows/s" in out.getvalue()


def test_the_command_refuses_a_branch_without_a_shop():
    with pytest.raises(CommandError, match="--into-shop"):
        call_command("generate_data", shops=1, works_orders=10, branch="BNCH")


def test_shops_are_shared_fairly_between_workers():
    specs = [
        scale.ShopSpec(i, f"Shop {i}", f"s{i}", size, "sequential", 2)
        for i, size in enumerate([9000, 100, 200, 300, 4000, 5000, 50, 60])
    ]
    groups = scale.balance(specs, 2)
    loads = sorted(sum(s.works_orders for s in group) for group in groups)
    assert sorted(s.index for group in groups for s in group) == list(range(8))
    assert loads[1] - loads[0] < 1000
