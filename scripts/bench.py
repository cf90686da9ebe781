"""make bench: how fast the pages that matter are, on a data set the size of a real installation.

    .venv/bin/python scripts/bench.py         (make bench starts the local servers first)
    BENCH_SCALE=small make bench             a quick run on a small data set
    BENCH_ONLY=dashboard make bench          only some parts: pages, sla, billing, dashboard,
                                             import (comma-separated)
    BENCH_DASHBOARD_REQUESTS=10              fewer dashboard requests than 40 (quicker runs)

Data: 500 shops with 1,000,000 works orders between them (manage.py generate_data), one of those
shops grown to 300,000 works orders, and in it a branch (BENCH) with 300 open works orders on its
board. It lives in its own database on the local PostgreSQL (benchdesk_bench, in .devdata/) and
is generated once: later runs reuse it. The pricebook import benchmark (scripts/bench_import.py)
runs last, in a database of its own.

Timings are server-side: Django's test Client calls the app in-process against that database
(DEBUG off, as in production), after a warm-up, over at least 200 requests each; the SQL query
count is per request. The table prints as Markdown, for the README.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUESTS = 200
WARM_UP = 20
BOARD_BRANCH = "BENCH"
SEED = 1


@dataclass(frozen=True)
class Scale:
    database: str
    shops: int
    works_orders: int
    big_shop: int  # works orders in the shop the pages are measured in
    board: int  # open works orders on the measured branch's board


SCALES = {
    "full": Scale("benchdesk_bench", 500, 1_000_000, 300_000, 300),
    "small": Scale("benchdesk_bench_small", 20, 20_000, 30_000, 300),
}

# operation → (p95 goal in ms, most queries allowed); None: no goal set (issues 4 and 10)
GOALS = {
    "board (300 cards)": (30, 5),
    "board changed? poll": (None, None),
    "card move": (15, None),
    "works order detail": (20, 10),
    "detail, job on the bench": (25, 10),
    "works order list (filters)": (25, 6),
    "search by IMEI": (5, None),
    "search by phone": (5, None),
    "search by number": (5, None),
    "search by name": (50, None),
    "customer finder (intake)": (50, None),  # as the top bar's search by name
    "customer list (pages)": (None, None),
    "intake POST": (25, None),
    "customer status page": (10, 7),
    "pause for parts, customer told": (None, None),
    "pause for parts, nobody told": (None, None),
    "telling the customer (added)": (2, None),
    # Issue 12: the SLA sweep over every shop, the manager's SLA view, the predicted completion.
    "SLA sweep, nothing crosses": (100, None),
    "SLA sweep, 10,000 cross": (2000, None),
    "SLA view (all branches)": (150, None),
    "predicted completion": (None, None),
    "prediction right ± 1 day": (None, None),
    # Issue 13: an invoice's PDF as the worker renders it (the first render apart: caches load).
    "invoice PDF, first render": (None, None),
    "invoice PDF render (A4)": (300, None),
    "invoice PDF render (roll)": (300, None),
    # Issue 14: the KPI dashboard (reports/kpis.py and its daily rollups).
    "dashboard rollup catch-up": (None, None),
    "dashboard, a year (big shop)": (300, None),
    "dashboard, a month (all branches)": (150, None),
}
# The dashboard is slower per request than a page: fewer requests, so make bench stays short.
DASHBOARD_REQUESTS = int(os.environ.get("BENCH_DASHBOARD_REQUESTS", 40))
DASHBOARD_WARM_UP = 3
SWEEP_CROSSINGS = 10_000
SWEEP_RUNS = 5  # the 10,000-crossing sweep, each on the same rows set up afresh
ACCURACY_SAMPLE = 500


def say(message: str) -> None:
    print(message, flush=True)


# --- The database --------------------------------------------------------------------------


def database_url(name: str) -> str:
    """DATABASE_URL (the dev server's, from `make services`) pointed at another database."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("DATABASE_URL is not set: run `make bench` (it starts the local servers).")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def marker_path(scale_name: str) -> Path:
    return ROOT / ".devdata" / f"bench-{scale_name}.json"


def data_is_ready(url: str, scale: Scale, marker: Path) -> bool:
    """The marker of a finished generation, and the database still holding what it says."""
    import psycopg

    if not marker.exists():
        return False
    known = json.loads(marker.read_text())
    try:
        with psycopg.connect(url, connect_timeout=5) as db:
            row = db.execute(
                """
                SELECT (SELECT count(*) FROM tickets_worksorder w WHERE w.shop_id = s.id),
                       (SELECT count(*) FROM tickets_worksorder w JOIN shops_branch b
                          ON b.id = w.branch_id AND b.shop_id = w.shop_id
                        WHERE w.shop_id = s.id AND b.code = %s
                          AND w.status NOT IN ('collected', 'cancelled'))
                FROM shops_shop s WHERE s.slug = %s
                """,
                [BOARD_BRANCH, known["shop"]],
            ).fetchone()
    except psycopg.Error:
        return False
    return row is not None and row[0] >= scale.big_shop and row[1] >= scale.board


def recreate_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def generate(scale: Scale, marker: Path) -> None:
    """The data set, from scratch: base shops, then the big shop, then its busy branch."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from shops.models import Shop
    from tickets.models import WorksOrder

    call_command("migrate", verbosity=0)
    timings = {}
    started = time.monotonic()
    call_command(
        "generate_data", shops=scale.shops, works_orders=scale.works_orders, seed=SEED, jobs=2
    )
    timings["base"] = time.monotonic() - started
    sizes = WorksOrder.objects.all_shops().values("shop").annotate(n=Count("id"))
    largest = sizes.order_by("-n", "shop")[0]
    biggest = Shop.objects.get(pk=largest["shop"])
    started = time.monotonic()
    call_command(
        "generate_data",
        into_shop=biggest.slug,
        works_orders=max(0, scale.big_shop - largest["n"]),
        seed=SEED + 1,
    )
    timings["big shop"] = time.monotonic() - started
    call_command(
        "generate_data",
        into_shop=biggest.slug,
        branch=BOARD_BRANCH,
        works_orders=scale.board,
        open_only=True,
        seed=SEED + 2,
    )
    started = time.monotonic()
    say("VACUUM ANALYZE (as autovacuum would have by now)…")
    connection.close()
    with connection.cursor() as cursor:  # autocommit outside a transaction: VACUUM may run
        cursor.execute("VACUUM ANALYZE")
    timings["vacuum"] = time.monotonic() - started
    marker.write_text(json.dumps({"shop": biggest.slug, "seconds": timings}, indent=2))


def sla_marker_path(scale_name: str) -> Path:
    return ROOT / ".devdata" / f"bench-{scale_name}-sla.json"


# What the measured requests write (moves, intake, messages) and what earlier runs' rolled-back
# sweeps left dead: vacuumed before measuring, as autovacuum would have between two runs, so each
# run starts from the same state instead of reading the last run's dead rows.
WRITTEN_TABLES = (
    "tickets_worksorder",
    "tickets_timelineentry",
    "tickets_slaclock",
    "tickets_slacrossing",
    "notifications_message",
    "notifications_alert",
    "customers_customer",
    "devices_device",
)


def vacuum_what_runs_write() -> None:
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:  # autocommit outside a transaction: VACUUM may run
        for table in WRITTEN_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    took = elapsed_text(time.monotonic() - started)
    say(f"Vacuumed the tables the measured requests write to in {took}.")


def prepare_sla(scale_name: str) -> None:
    """Once per data set: repair types and SLA times for works orders generated before the
    generator wrote them (tickets.scale.sla_backfill: set-based, only rows without a due time,
    so a rerun is harmless), then VACUUM ANALYZE so the new indexes serve index-only scans."""
    from django.db import connection

    from tickets import scale

    marker = sla_marker_path(scale_name)
    if marker.exists():
        return
    say("Filling in repair types and SLA times (once)…")
    started = time.monotonic()
    filled = scale.sla_backfill()
    backfill = time.monotonic() - started
    connection.close()
    with connection.cursor() as cursor:  # autocommit outside a transaction: VACUUM may run
        cursor.execute("VACUUM ANALYZE tickets_worksorder")
        cursor.execute("VACUUM ANALYZE pricebook_repairtype")
    marker.write_text(
        json.dumps(
            {"filled": filled, "seconds": {"backfill": backfill}, "vacuumed": True}, indent=2
        )
    )
    say(f"  {filled:,} works orders filled in {elapsed_text(backfill)}.")


def billing_marker_path(scale_name: str) -> Path:
    return ROOT / ".devdata" / f"bench-{scale_name}-billing.json"


def prepare_billing(scale_name: str) -> None:
    """Once per data set: warranty comebacks, invoices and payments for the generated jobs
    (manage.py generate_billing_data: set-based, only jobs without them, so a rerun is
    harmless), then VACUUM ANALYZE of the tables it filled."""
    from django.db import connection

    from billing.scale import billing_backfill
    from tickets.scale_comebacks import comeback_backfill

    marker = billing_marker_path(scale_name)
    if marker.exists():
        return
    say("Booking comebacks, invoicing and taking payment for the collected jobs (once)…")
    started = time.monotonic()
    returns = comeback_backfill()
    written = billing_backfill()
    took = time.monotonic() - started
    connection.close()
    with connection.cursor() as cursor:  # autocommit outside a transaction: VACUUM may run
        for table in ("tickets_worksorder", "billing_invoice", "billing_invoiceline",
                      "billing_payment"):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
    marker.write_text(
        json.dumps({"returns": returns, **written, "seconds": took, "vacuumed": True}, indent=2)
    )
    say(
        f"  {returns:,} warranty returns, {written['invoices']:,} invoices, "
        f"{written['payments']:,} payments in {elapsed_text(took)}."
    )


def elapsed_text(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


# --- Measuring -----------------------------------------------------------------------------


class QueryCounter:
    """Counts a request's queries and the time spent waiting for them."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


@dataclass
class Result:
    operation: str
    n: int = 0
    p50: float = 0.0
    p95: float = 0.0
    queries: int = 0
    sql: float = 0.0  # median time in SQL per request
    note: str = ""

    def row(self) -> list[str]:
        goal_ms, goal_queries = GOALS[self.operation]
        goal = []
        if goal_ms:
            goal.append(f"p95 ≤ {goal_ms} ms")
        if goal_queries:
            goal.append(f"≤ {goal_queries} queries")
        if self.note:
            return [self.operation, "–", "–", "–", "–", "–", ", ".join(goal) or "–", self.note]
        met = "–"
        if goal:
            ok = (not goal_ms or self.p95 <= goal_ms) and (
                not goal_queries or self.queries <= goal_queries
            )
            met = "yes" if ok else "**no**"
        return [
            self.operation,
            str(self.n),
            f"{self.p50:.1f}",
            f"{self.p95:.1f}",
            str(self.queries),
            f"{self.sql:.1f}",
            ", ".join(goal) or "–",
            met,
        ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(
    operation: str, request, check, *, requests: int = REQUESTS, warm_up: int = WARM_UP
) -> Result:
    """request(i) makes the i-th request; check(i, response) raises if it went wrong."""
    from django.db import connection

    for i in range(warm_up):
        check(i, request(i))
    counter = QueryCounter()
    times, queries, sql = [], [], []
    with connection.execute_wrapper(counter):
        for i in range(warm_up, warm_up + requests):
            counter.count, counter.seconds = 0, 0.0
            started = time.perf_counter()
            response = request(i)
            times.append((time.perf_counter() - started) * 1000)
            queries.append(counter.count)
            sql.append(counter.seconds * 1000)
            check(i, response)
    result = Result(
        operation,
        len(times),
        statistics.median(times),
        percentile(times, 0.95),
        max(queries),
        statistics.median(sql),
    )
    say(
        f"  {operation:<26} p50 {result.p50:6.1f} ms   p95 {result.p95:6.1f} ms   "
        f"{result.queries} queries ({result.sql:.1f} ms in SQL)"
    )
    return result


def written_so_far() -> dict:
    """The newest timeline entry and message, to remove what the measured moves add after them."""
    from django.db.models import Max

    from notifications.models import Message
    from tickets.models import TimelineEntry

    return {
        model: model.objects.all_shops().aggregate(last=Max("pk"))["last"] or 0
        for model in (Message, TimelineEntry)  # messages first: they name the entries
    }


def forget_written(shop, written_from: dict) -> str:
    from django.db import connection, transaction

    from tenancy.db import as_owner

    removed = []
    # The timeline is sealed against deletes (tickets 0024): the owner takes the benchmark's
    # own entries away with the triggers off, for this transaction only.
    with as_owner(), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        for model, last in written_from.items():
            count, _ = model.objects.for_shop(shop).filter(pk__gt=last).delete()
            removed.append(f"{count:,} {model._meta.verbose_name_plural}")
    return ", ".join(removed)


def expect(*statuses: int):
    def check(_i: int, response) -> None:
        if response.status_code not in statuses:
            raise SystemExit(f"expected HTTP {' or '.join(map(str, statuses))}, got {response}")

    return check


def signature_data_url() -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), "white").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def run_benchmarks(shop_slug: str) -> list[Result]:
    import phonenumbers
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from stdnum import luhn

    from config.process import settle
    from customers.models import Customer
    from devices.models import Device
    from shops.middleware import SESSION_KEY
    from shops.models import Branch, Membership, Role, Shop
    from tickets import scale
    from tickets.board import board_state
    from tickets.models import Status, WorksOrder

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settle()  # as config/wsgi.py does in every web process
    rng = random.Random(SEED)
    total = WARM_UP + REQUESTS
    shop = Shop.objects.get(slug=shop_slug)
    owner = Membership.objects.for_shop(shop).filter(role=Role.OWNER).select_related("user")[0]
    client = Client()
    client.force_login(owner.user)
    session = client.session
    session[SESSION_KEY] = shop.pk
    session.save()
    htmx = {"HX-Request": "true"}
    works_orders = WorksOrder.objects.for_shop(shop)
    results = []

    def sample(queryset, field: str) -> list:
        values = list(queryset.order_by("?").values_list(field, flat=True)[:total])
        return (values * (total // max(len(values), 1) + 1))[:total]

    say(
        f"Measuring in {shop.name}: {works_orders.count():,} works orders "
        f"({REQUESTS} requests each after {WARM_UP} to warm up)"
    )

    board_url = reverse("board")
    results.append(
        measure(
            "board (300 cards)",
            lambda i: client.get(board_url, {"branch": BOARD_BRANCH}),
            expect(200),
        )
    )

    # Every open board asks this every few seconds: the floor under any signed-in request.
    since = board_state(shop, owner, BOARD_BRANCH).version
    results.append(
        measure(
            "board changed? poll",
            lambda i: client.get(
                reverse("board_changed"), {"branch": BOARD_BRANCH, "since": since}
            ),
            expect(204),
        )
    )

    # Pause a job for parts (its "Move to…" menu, with the reason the dialog asks for), then
    # drag it back into In progress: each is one move, and the board keeps its 300 open cards.
    bench = works_orders.filter(branch__code=BOARD_BRANCH, status=Status.IN_PROGRESS)
    cards = list(bench.values_list("number", flat=True)[:50])
    written_from = written_so_far()

    def move(i: int):
        number = cards[(i // 2) % len(cards)]
        if i % 2 == 0:
            url = reverse("board_move_form", args=[number, "wait_for_parts"])
            data = {"reason": "Screen assembly on order"}
        else:
            url = reverse("board_move")
            data = {"number": number, "column": Status.IN_PROGRESS, "seen": "awaiting_parts"}
        return client.post(url, {**data, "branch": BOARD_BRANCH}, headers=htmx)

    def moved(i: int, response) -> None:
        expect(204)(i, response)  # 204 with "boardChanged": the board redraws itself
        if '"danger"' in response.headers.get("HX-Trigger", ""):
            raise SystemExit(f"a move was refused: {response.headers['HX-Trigger']}")

    results.append(measure("card move", move, moved))

    # What telling the customer adds to a move: a pause for parts writes the customer's message
    # (the outbox row, in the move's transaction, and its task queued on commit). Timed with
    # the listener and without it; each pause is undone after its timing, untimed.
    from notifications.receivers import works_order_moved_tell
    from tickets.lifecycle import works_order_moved

    def pause(i: int):
        url = reverse("board_move_form", args=[cards[i % len(cards)], "wait_for_parts"])
        data = {"reason": "Screen assembly on order", "branch": BOARD_BRANCH}
        return client.post(url, data, headers=htmx)

    def paused_then_back(i: int, response) -> None:
        moved(i, response)
        data = {"number": cards[i % len(cards)], "column": Status.IN_PROGRESS}
        data |= {"seen": "awaiting_parts", "branch": BOARD_BRANCH}
        moved(i, client.post(reverse("board_move"), data, headers=htmx))

    # With no quiet hours, whatever the time of day: an SMS written in them waits for the
    # morning and is not queued at once, which would leave the task's queuing out.
    quiet = (shop.quiet_hours_from, shop.quiet_hours_until)
    Shop.objects.filter(pk=shop.pk).update(quiet_hours_from=quiet[1])
    works_order_moved.disconnect(works_order_moved_tell)
    try:
        untold = measure("pause for parts, nobody told", pause, paused_then_back)
    finally:
        works_order_moved.connect(works_order_moved_tell)
    try:
        told = measure("pause for parts, customer told", pause, paused_then_back)
    finally:
        Shop.objects.filter(pk=shop.pk).update(quiet_hours_from=quiet[0])
    added = Result(
        "telling the customer (added)",
        told.n,
        told.p50 - untold.p50,
        told.p95 - untold.p95,
        told.queries - untold.queries,
        told.sql - untold.sql,
    )
    say(f"  {added.operation:<26} p50 {added.p50:+6.1f} ms   p95 {added.p95:+6.1f} ms")
    results.extend([told, untold, added])
    # The moves leave their timeline entries and the customers' messages behind: removed, so the
    # next run's jobs on the bench have the history a job has, not every earlier run's moves.
    say(f"  (removed what the moves wrote: {forget_written(shop, written_from)})")

    numbers = sample(works_orders, "number")
    results.append(
        measure(
            "works order detail",
            lambda i: client.get(reverse("works_order_detail", args=[numbers[i]])),
            expect(200),
        )
    )
    # The heaviest kind of works-order page: a job being worked on (bench time, approvals, its
    # parts, the reassign and plan forms), as a manager sees it.
    worked_on = works_orders.filter(
        branch__code=BOARD_BRANCH, status__in=[Status.IN_PROGRESS, Status.QUALITY_CONTROL]
    )
    on_bench = sample(worked_on, "number")
    results.append(
        measure(
            "detail, job on the bench",
            lambda i: client.get(reverse("works_order_detail", args=[on_bench[i]])),
            expect(200),
        )
    )
    # The customer's status page, no login, for open jobs and recent collections: each request
    # from its own address, so the per-address rate limit is not what is measured.
    followed = list(
        works_orders.filter(status__in=[Status.IN_PROGRESS, Status.AWAITING_PARTS, Status.READY])
        .order_by("?")
        .only("shop_id", "number", "status_link_version")[:total]
    )
    links = [f"/s/{followed[i % len(followed)].status_token}/" for i in range(total)]
    customer = Client()
    results.append(
        measure(
            "customer status page",
            lambda i: customer.get(links[i], REMOTE_ADDR=f"10.9.{i // 250}.{i % 250}"),
            expect(200),
        )
    )
    # The list as the counter and the managers use it: 25 rows a page, each request with one of
    # these filters (none, the open jobs, a branch, a priority, a technician, a month, and a few
    # together, and a second page), so its figure is for the filters, not for one cached plan.
    busiest = (
        works_orders.exclude(assigned_to=None)
        .values("assigned_to")
        .annotate(n=Count("id"))
        .order_by("-n")[0]["assigned_to"]
    )
    biggest_branch = (
        works_orders.values("branch__code").annotate(n=Count("id")).order_by("-n")[0]
    )["branch__code"]
    newest = works_orders.order_by("-created_at").values_list("created_at", flat=True)[0]
    month_ago = newest - datetime.timedelta(days=60)
    open_statuses = [s for s in Status.values if s not in ("collected", "cancelled")]
    list_filters = [
        {},
        {"status": open_statuses},
        {"branch": biggest_branch},
        {"priority": "urgent"},
        {"technician": busiest},
        {"booked_from": f"{month_ago:%Y-%m-01}", "booked_to": f"{month_ago:%Y-%m-28}"},
        {"branch": biggest_branch, "status": "ready"},
        {"technician": busiest, "status": open_statuses},
        {"priority": "vip", "status": "collected"},
        {"page": 2},
    ]
    list_url = reverse("works_orders")

    def listed(i: int, response) -> None:
        expect(200)(i, response)
        rows = response.content.decode().count('<th scope="row"')
        if not 0 < rows <= 25:
            raise SystemExit(
                f"the list showed {rows} rows for {list_filters[i % len(list_filters)]}"
            )

    results.append(
        measure(
            "works order list (filters)",
            lambda i: client.get(list_url, list_filters[i % len(list_filters)]),
            listed,
        )
    )

    search_url = reverse("search")

    def searching(operation: str, terms: list[str], expected: list[str] | None):
        def check(i: int, response) -> None:
            expect(200)(i, response)
            found = expected[i] if expected else "list-group-item"
            if found not in response.content.decode():
                raise SystemExit(f"{operation}: “{terms[i]}” did not find {found}")

        results.append(
            measure(
                operation, lambda i: client.get(search_url, {"q": terms[i]}, headers=htmx), check
            )
        )

    picked = list(
        works_orders.exclude(device__imei="")
        .order_by("?")
        .values_list("device_id", flat=True)[:total]
    )
    newest = {}
    for device_id, number in (
        works_orders.filter(device_id__in=picked)
        .order_by("created_at")
        .values_list("device_id", "number")
    ):
        newest[device_id] = number
    imeis = dict(Device.objects.for_shop(shop).filter(pk__in=picked).values_list("pk", "imei"))
    searching("search by IMEI", [imeis[d] for d in picked], [newest[d] for d in picked])

    picked = list(
        Customer.objects.for_shop(shop).order_by("?").values_list("pk", flat=True)[:total]
    )
    newest = {}
    for customer_id, number in (
        works_orders.filter(customer_id__in=picked)
        .order_by("created_at")
        .values_list("customer_id", "number")
    ):
        newest[customer_id] = number
    phones = dict(Customer.objects.for_shop(shop).filter(pk__in=picked).values_list("pk", "phone"))
    national = [
        phonenumbers.format_number(
            phonenumbers.parse(phones[c]), phonenumbers.PhoneNumberFormat.NATIONAL
        )
        for c in picked
    ]
    searching("search by phone", national, [newest[c] for c in picked])
    searching("search by number", numbers, numbers)
    names = sample(Customer.objects.for_shop(shop), "full_name")
    searching("search by name", names, None)

    # The intake screen's customer finder, as the counter types a name: a surname, or a first
    # name and the start of the surname ("Emma Smi"); and the customer list, page by page.
    typed = [
        name.split()[-1] if i % 2 else f"{name.split()[0]} {name.split()[-1][:3]}"
        for i, name in enumerate(names)
    ]
    lookup_url = reverse("customer_lookup")
    results.append(
        measure(
            "customer finder (intake)",
            lambda i: client.get(lookup_url, {"q": typed[i]}, headers=htmx),
            expect(200),
        )
    )
    customers_url = reverse("customers")
    results.append(
        measure(
            "customer list (pages)",
            lambda i: client.get(customers_url, {"page": 1 + (i % 10) * 40}),
            expect(200),
        )
    )

    branch = Branch.objects.for_shop(shop).exclude(code=BOARD_BRANCH).order_by("pk")[0]
    signature = signature_data_url()
    taken_phones = set(Customer.objects.for_shop(shop).values_list("phone", flat=True))
    taken_imeis = set(Device.objects.for_shop(shop).values_list("imei", flat=True))
    fresh = []
    while len(fresh) < total:
        phone = f"077{rng.randint(1, 7)}{rng.randrange(10)} {rng.randrange(1_000_000):06d}"
        body = f"35209900{rng.randrange(1_000_000):06d}"
        imei = body + luhn.calc_check_digit(body)
        e164 = "+44" + phone.replace(" ", "")[1:]
        valid = phonenumbers.is_valid_number(phonenumbers.parse(e164))
        if valid and e164 not in taken_phones and imei not in taken_imeis:
            taken_phones.add(e164)
            taken_imeis.add(imei)
            name = f"{rng.choice(scale.FIRST_NAMES)} {rng.choice(scale.SURNAMES)}"
            model = rng.choice(["iPhone 13", "iPhone 14", "iPhone 15 Pro", "iPhone 12 mini"])
            fault = rng.choice(scale.REPAIRS["phone"]).fault
            fresh.append((phone, imei, name, model, fault))

    def intake(i: int):
        phone, imei, name, model, fault = fresh[i]
        return client.post(
            reverse("intake"),
            {
                "customer-full_name": name,
                "customer-phone": phone,
                "customer-email": "",
                "customer-preferred_contact": "sms",
                "customer-customer_type": "walk_in",
                "device-imei": imei,
                "device-category": "phone",
                "device-make": "Apple",
                "device-model_name": model,
                "device-colour": "Midnight",
                "device-storage": "128 GB",
                "job-branch": branch.pk,
                "job-priority": "standard",
                "job-fault_reported": fault,
                "job-condition": ["screen_cracked", "dents"],
                "job-accessories": ["case", "sim"],
                "job-passcode_kind": "pin",
                "job-passcode": "2580",
                "lines-TOTAL_FORMS": "2",
                "lines-INITIAL_FORMS": "0",
                "lines-0-kind": "part",
                "lines-0-description": "Screen assembly (OEM)",
                "lines-0-quantity": "1",
                "lines-0-unit_price": "149.99",
                "lines-0-vat_rate": "20",
                "lines-1-kind": "labour",
                "lines-1-description": "Fitting and test",
                "lines-1-quantity": "1",
                "lines-1-unit_price": "20.00",
                "lines-1-vat_rate": "20",
                "consent-method": "signature",
                "consent-signed_name": name,
                "consent-signature": signature,
                "consent-agreed": "on",
            },
        )

    results.append(measure("intake POST", intake, expect(302)))
    return results


# The 10,000 newest open jobs, their thresholds just passed, in the sweep's queue (SlaClock: the
# sweep reads nothing else of the job).
MOVE_INTO_THE_PAST_SQL = """
INSERT INTO tickets_slaclock
       (works_order_id, shop_id, branch_id, due_at, risk_at, paused_at, next_at)
SELECT id, shop_id, branch_id,
       COALESCE(sla_paused_at, %(now)s) - interval '1 minute',
       COALESCE(sla_paused_at, %(now)s) - interval '2 hours',
       sla_paused_at,
       COALESCE(sla_paused_at, %(now)s) - interval '2 hours'
  FROM tickets_worksorder
 WHERE status NOT IN ('collected', 'cancelled')
 ORDER BY created_at DESC, id DESC
 LIMIT %(n)s
    ON CONFLICT (works_order_id) DO UPDATE
   SET due_at = EXCLUDED.due_at, risk_at = EXCLUDED.risk_at, paused_at = EXCLUDED.paused_at,
       next_at = EXCLUDED.next_at
"""


def skipped(operation: str, why: str) -> Result:
    say(f"  {operation:<26} skipped: {why}")
    return Result(operation, note=f"skipped: {why}")


def run_sla_benchmarks(shop_slug: str) -> list[Result]:
    """The SLA sweep over every shop (nothing crossing, then 10,000 jobs crossing at once), the
    manager's SLA view in the big shop, and the predicted completion: its time and how often it
    was right on the generated history. Whatever the sweep writes is rolled back."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from shops.middleware import SESSION_KEY
    from shops.models import Membership, Role, Shop

    results = []
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    shop = Shop.objects.get(slug=shop_slug)
    now = timezone.now()
    say("")
    say("SLA (issue 12):")

    # The sweep. Its crossings, alerts and outbox rows are rolled back afterwards (nothing is
    # sent: the sends wait for a commit that never comes), so every run starts from the same data.
    try:
        from tickets.sla_sweep import sla_sweep
    except ImportError as error:
        results.append(skipped("SLA sweep, nothing crosses", f"no tickets.sla_sweep ({error})"))
        results.append(skipped("SLA sweep, 10,000 cross", "no tickets.sla_sweep"))
    else:
        with transaction.atomic():
            started = time.perf_counter()
            first = sla_sweep(now=now)
            say(
                f"  first sweep, catching up on the data set: {first.jobs:,} jobs, "
                f"{first.crossings:,} crossings in {(time.perf_counter() - started) * 1000:.0f} ms"
            )

            def nothing_crossed(_i: int, result) -> None:
                if result.crossings:
                    raise SystemExit(f"a sweep with nothing due recorded {result.crossings}")

            results.append(
                measure("SLA sweep, nothing crosses", lambda i: sla_sweep(now=now), nothing_crossed)
            )
            counter = QueryCounter()
            times, queries, sql = [], [], []
            crossings = moved = 0
            for _run in range(SWEEP_RUNS):
                savepoint = transaction.savepoint()
                with connection.cursor() as cursor:
                    cursor.execute(MOVE_INTO_THE_PAST_SQL, {"n": SWEEP_CROSSINGS, "now": now})
                    moved = cursor.rowcount
                    # The keys of what the sweep writes are checked as it writes them: at commit
                    # (which never comes here) they would cost the same, so they are timed.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                counter.count, counter.seconds = 0, 0.0
                with connection.execute_wrapper(counter):
                    started = time.perf_counter()
                    result = sla_sweep(now=now)
                    times.append((time.perf_counter() - started) * 1000)
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                queries.append(counter.count)
                sql.append(counter.seconds * 1000)
                crossings = result.crossings
                if crossings != 2 * moved:
                    raise SystemExit(f"{moved} jobs moved past due, {crossings} crossings")
                transaction.savepoint_rollback(savepoint)
            transaction.set_rollback(True)
        crossed = Result(
            "SLA sweep, 10,000 cross",
            len(times),
            statistics.median(times),
            percentile(times, 0.95),
            max(queries),
            statistics.median(sql),
        )
        say(
            f"  {crossed.operation:<26} p50 {crossed.p50:6.1f} ms   p95 {crossed.p95:6.1f} ms   "
            f"{crossed.queries} queries; {moved:,} jobs past due, {crossings:,} crossings "
            f"(at risk and breached), alerts queued, not sent"
        )
        if moved < SWEEP_CROSSINGS:
            say(f"  (only {moved:,} open jobs in this data set, not {SWEEP_CROSSINGS:,})")
        results.append(crossed)

    # The manager's SLA view of the big shop, all branches.
    try:
        view_url = reverse("sla_view")
    except NoReverseMatch:
        results.append(skipped("SLA view (all branches)", "no URL named sla_view"))
    else:
        owner = Membership.objects.for_shop(shop).filter(role=Role.OWNER).select_related("user")[0]
        client = Client()
        client.force_login(owner.user)
        session = client.session
        session[SESSION_KEY] = shop.pk
        session.save()
        results.append(
            measure("SLA view (all branches)", lambda i: client.get(view_url), expect(200))
        )

    results.extend(measure_prediction(shop))
    return results


def measure_prediction(shop) -> list[Result]:
    """predict_completion's time at intake in the big shop, and its accuracy on the history: for
    finished jobs across every shop, predicted with only what was known at their intake."""
    from django.utils import timezone

    from devices.models import DeviceModel
    from pricebook.models import RepairType
    from shops.models import Branch
    from tickets.models import WorksOrder
    from tickets.prediction import predict_completion

    rng = random.Random(SEED)
    total = WARM_UP + REQUESTS
    recent = list(
        WorksOrder.objects.for_shop(shop)
        .filter(repair_type__isnull=False, device__device_model__isnull=False)
        .order_by("-created_at")
        .values_list("branch_id", "device__device_model_id", "repair_type_id")[:2000]
    )
    asks = [rng.choice(recent) for _ in range(total)]
    branches = Branch.objects.for_shop(shop).in_bulk()
    models = DeviceModel.objects.for_shop(shop).in_bulk()
    types = RepairType.objects.for_shop(shop).in_bulk()

    def predict(i: int):
        branch_id, model_id, type_id = asks[i]
        return predict_completion(
            branch=branches[branch_id],
            device_model=models[model_id],
            repair_type=types[type_id],
            now=timezone.now(),
        )

    def predicted(i: int, prediction) -> None:
        if prediction is None:
            raise SystemExit(f"no prediction for {asks[i]} in a shop with years of history")

    timed = measure("predicted completion", predict, predicted)

    # Accuracy: finished jobs booked in at least two months into the history (so there was
    # history to go on), each predicted as at its intake.
    oldest = (
        WorksOrder.objects.all_shops()
        .order_by("created_at")
        .values_list("created_at", flat=True)[0]
    )
    finished = list(
        WorksOrder.objects.all_shops()
        .filter(ready_at__isnull=False, created_at__gte=oldest + datetime.timedelta(days=60))
        .order_by("?")
        .values_list(
            "shop_id",
            "branch_id",
            "device__device_model_id",
            "repair_type_id",
            "device__category",
            "created_at",
            "ready_at",
            "sla_due_at",
        )[:ACCURACY_SAMPLE]
    )
    shops = {row[0] for row in finished}
    branches = Branch.objects.all_shops().filter(shop__in=shops).in_bulk()
    models = DeviceModel.objects.all_shops().filter(shop__in=shops).in_bulk()
    types = RepairType.objects.all_shops().filter(shop__in=shops).in_bulk()
    day = datetime.timedelta(days=1)
    errors, promised, levels = [], [], {}
    for _shop, branch_id, model_id, type_id, category, created, ready, due in finished:
        prediction = predict_completion(
            branch=branches[branch_id],
            device_model=models.get(model_id),
            repair_type=types.get(type_id),
            now=created,
            category=category,
        )
        if prediction is None:
            continue
        levels[prediction.level] = levels.get(prediction.level, 0) + 1
        errors.append(abs(prediction.at - ready))
        if due:
            promised.append(abs(due - ready))
    if not errors:
        return [timed, skipped("prediction right ± 1 day", "no finished jobs with history")]
    within = sum(e <= day for e in errors) / len(errors)
    median_error = statistics.median(errors)
    note = (
        f"{within:.0%} of {len(errors)} finished jobs within ± 1 day; "
        f"median error {median_error.total_seconds() / 3600:.1f} h"
    )
    say(f"  {'prediction right ± 1 day':<26} {note}")
    say(
        "    history used: "
        + ", ".join(f"{level.replace('_', ' ')} {n}" for level, n in sorted(levels.items()))
    )
    if promised:
        naive = sum(e <= day for e in promised) / len(promised)
        say(
            f"    (the SLA due time as a guess: {naive:.0%} within ± 1 day, median error "
            f"{statistics.median(promised).total_seconds() / 3600:.1f} h)"
        )
    return [timed, Result("prediction right ± 1 day", note=note)]


def run_dashboard_benchmarks(shop_slug: str) -> list[Result]:
    """The manager's KPI dashboard of the big shop: a year (the last 365 days, all branches)
    and this month across all branches, as an owner opens them, after the nightly rollup has
    caught up (its first fill, on a fresh data set, is timed and kept for later runs)."""
    from django.conf import settings
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from shops.middleware import SESSION_KEY
    from shops.models import Membership, Role, Shop

    say("")
    say("Dashboard (issue 14):")
    names = ("dashboard, a year (big shop)", "dashboard, a month (all branches)")
    try:
        url = reverse("kpi_dashboard")
        from reports.rollups import rollup_catch_up
    except (NoReverseMatch, ImportError) as error:
        return [skipped(name, f"no dashboard ({error})") for name in names]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    days = rollup_catch_up()
    caught_up = Result(
        "dashboard rollup catch-up", 1, *(2 * [(time.perf_counter() - started) * 1000])
    )
    say(f"  rollup catch-up: {days:,} days rolled in {caught_up.p50:.0f} ms")
    say(f"  then vacuumed in {vacuum_rollups():.1f} s, as autovacuum does after the beat")
    shop = Shop.objects.get(slug=shop_slug)
    owner = Membership.objects.for_shop(shop).filter(role=Role.OWNER).select_related("user")[0]
    client = Client()
    client.force_login(owner.user)
    session = client.session
    session[SESSION_KEY] = shop.pk
    session.save()
    today = timezone.localdate()
    year = {
        "period": "custom",
        "start": (today - datetime.timedelta(days=364)).isoformat(),
        "end": today.isoformat(),
    }
    results = [caught_up]
    for name, query in zip(names, (year, {"period": "month"}), strict=True):
        results.append(
            measure(
                name,
                lambda i, query=query: client.get(url, query),
                expect(200),
                requests=DASHBOARD_REQUESTS,
                warm_up=DASHBOARD_WARM_UP,
            )
        )
    return results


def vacuum_rollups() -> float:
    """The rollup tables vacuumed as their owner: what autovacuum does within a minute of the
    nightly beat (reports 0009), so the pages the refresh rewrote are all-visible again and the
    dashboard reads its indexes alone, as a manager opening it in the morning finds them."""
    from django.db import connection

    from tenancy.db import as_owner

    started = time.monotonic()
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r'"
            " AND relname ~ '^reports_(daily|monthly)' ORDER BY 1"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return time.monotonic() - started


def run_billing_benchmarks(shop_slug: str) -> list[Result]:
    """An invoice's PDF rendered as the worker renders it: billing.documents.document_render,
    which the task billing.tasks.documents_prepare calls, called here in-process (no broker in
    between: the worker's own time). The first render in the process is timed apart (WeasyPrint
    and fontconfig load their caches), then 200 A4 and 200 roll renders after 20 to warm up.
    The job's invoice is the one generate_billing_data issued (on a data set from before it,
    one is issued in a transaction that is rolled back), so reruns measure the same."""
    from django.db import transaction

    from shops.models import Membership, Role, Shop
    from tickets.models import Status, WorksOrder

    say("")
    say("Billing (issue 13):")
    try:
        from billing import documents
        from billing.models import DocumentFormat
        from billing.services import invoice_issue
    except ImportError as error:
        return [
            skipped(name, f"no billing.documents ({error})")
            for name in ("invoice PDF, first render", "invoice PDF render (A4)")
        ]
    shop = Shop.objects.get(slug=shop_slug)
    owner = Membership.objects.for_shop(shop).filter(role=Role.OWNER)[0]
    job = (
        WorksOrder.objects.for_shop(shop)
        # a repair, not a free warranty return (one zero line): the invoice a customer pays
        .filter(status=Status.COLLECTED, lines__isnull=False, warranty_return_of__isnull=True)
        .order_by("-pk")
        .first()
    )
    if job is None:
        return [skipped("invoice PDF render (A4)", "no collected job with lines")]
    results = []
    with transaction.atomic():
        invoice = invoice_issue(works_order=job, by=owner)
        lines = invoice.lines.count()

        def is_pdf(_i: int, pdf: bytes) -> None:
            if not pdf.startswith(b"%PDF"):
                raise SystemExit("the render did not make a PDF")

        started = time.perf_counter()
        is_pdf(0, documents.document_render(invoice, DocumentFormat.A4, 1))
        first_ms = (time.perf_counter() - started) * 1000
        note = f"{first_ms:.0f} ms (A4, {lines} lines), not counted in the rows below"
        say(f"  {'invoice PDF, first render':<26} {note}")
        results.append(Result("invoice PDF, first render", note=note))
        for layout, name in (
            (DocumentFormat.A4, "invoice PDF render (A4)"),
            (DocumentFormat.ROLL, "invoice PDF render (roll)"),
        ):
            results.append(
                measure(name, lambda i, layout=layout: documents.document_render(
                    invoice, layout, 1
                ), is_pdf)
            )  # fmt: skip
        transaction.set_rollback(True)
    return results


# --- The report ----------------------------------------------------------------------------


def machine(load: tuple[float, float, float]) -> list[str]:
    import django
    from django.db import connection

    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        kib = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return [
        f"{cpu}, {os.cpu_count()} cores, {kib / 1024 / 1024:.0f} GB RAM",
        f"{platform.system()} {platform.release()}",
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {postgres} (local, default settings)",
        "load average when measuring started: " + ", ".join(f"{x:.2f}" for x in load),
    ]


def table(results: list[Result]) -> str:
    header = ["operation", "n", "p50 ms", "p95 ms", "queries", "in SQL p50 ms", "goal", "met?"]
    rows = [header, ["---"] * len(header)] + [r.row() for r in results]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def data_summary(shop_slug: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM shops_shop), (SELECT count(*) FROM tickets_worksorder),
                   (SELECT count(*) FROM tickets_timelineentry),
                   (SELECT count(*) FROM tickets_worksorder w JOIN shops_shop s
                      ON s.id = w.shop_id WHERE s.slug = %s),
                   (SELECT count(*) FROM tickets_worksorder w
                      JOIN shops_shop s ON s.id = w.shop_id
                      JOIN shops_branch b ON b.id = w.branch_id
                    WHERE s.slug = %s AND b.code = %s
                      AND w.status NOT IN ('collected', 'cancelled'))
            """,
            [shop_slug, shop_slug, BOARD_BRANCH],
        )
        shops, works_orders, timeline, in_shop, on_board = cursor.fetchone()
    return (
        f"{shops:,} shops, {works_orders:,} works orders, {timeline:,} timeline entries. "
        f"Pages measured in shop {shop_slug} ({in_shop:,} works orders); the board is its "
        f"branch {BOARD_BRANCH} ({on_board:,} open works orders)"
    )


def bench_sees_every_shop(sender, connection, **kwargs) -> None:
    """Each new connection of the app's role starts on the cross-shop role (as the test suite's
    do): for the benchmark's own lookups, not for the requests it measures."""
    from tenancy.rls import ALL_SHOPS_ROLE, APP_ROLE

    if connection.settings_dict["USER"] == APP_ROLE:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {ALL_SHOPS_ROLE}")


PARTS = ("pages", "sla", "billing", "dashboard", "import")


def main() -> int:
    # Static files are served from the finders here; the collected folder is for production.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    scale_name = os.environ.get("BENCH_SCALE", "full")
    if scale_name not in SCALES:
        sys.exit(f"BENCH_SCALE must be one of {', '.join(SCALES)}.")
    scale = SCALES[scale_name]
    only = set(filter(None, os.environ.get("BENCH_ONLY", ",".join(PARTS)).split(",")))
    if only - set(PARTS):
        sys.exit(f"BENCH_ONLY takes some of {', '.join(PARTS)} (comma-separated).")
    services_env = dict(os.environ)  # the import benchmark makes a database of its own there
    url = database_url(scale.database)
    marker = marker_path(scale_name)
    fresh = not data_is_ready(url, scale, marker)
    if fresh and "BENCH_ONLY" in os.environ:
        sys.exit(f"No finished {scale_name} data set: run make bench without BENCH_ONLY first.")
    if fresh:
        say(f"No finished {scale_name} data set in {scale.database}: generating it (once).")
        marker.unlink(missing_ok=True)
        sla_marker_path(scale_name).unlink(missing_ok=True)
        billing_marker_path(scale_name).unlink(missing_ok=True)
        recreate_database(url)

    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DJANGO_DEBUG"] = "false"  # as in production: no query log, no template debug
    # As in production, the pages are measured logged in as benchdesk_app under row-level
    # security (DATABASE_APP_USER= (empty) measures them as the owner, without it).
    os.environ.setdefault("DATABASE_APP_USER", "benchdesk_app")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.db.backends.signals import connection_created

    from tenancy.db import as_owner

    with as_owner():  # the data set is the owner's work: COPY, VACUUM, replica mode
        if fresh:
            generate(scale, marker)
        else:
            call_command("migrate", verbosity=0)
            say(f"Reusing the {scale_name} data set in {scale.database}.")
        shop_slug = json.loads(marker.read_text())["shop"]
        prepare_sla(scale_name)
        prepare_billing(scale_name)
        vacuum_what_runs_write()
    # The benchmark's own lookups (which shop, which numbers to open) look across shops; the
    # measured requests run as the app in their shop (the middleware leaves this role).
    connection_created.connect(bench_sees_every_shop)
    connections.close_all()
    load = os.getloadavg()
    say(f"Load average when measuring starts: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    results = []
    for part, run in (
        ("pages", run_benchmarks),
        ("sla", run_sla_benchmarks),
        ("billing", run_billing_benchmarks),
        ("dashboard", run_dashboard_benchmarks),
    ):
        if part in only:
            results += run(shop_slug)
    say("")
    say(table(results))
    say("")
    say(f"Data: {data_summary(shop_slug)}.")
    for line in machine(load):
        say(f"Machine: {line}")
    missed = [r.operation for r in results if r.row()[-1] == "**no**"]
    say(f"Goals missed: {', '.join(missed)}." if missed else "Every goal met.")
    if "import" not in only:
        return 0
    say("")
    say("Pricebook import (scripts/bench_import.py):")
    imported = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_import.py")], env=services_env
    )
    if imported.returncode:
        say("Pricebook import: goal missed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
