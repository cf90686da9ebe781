"""Bad input never gives a server error, and input that is refused changes nothing.

The test opens every page of the app (the URL resolver walked as in test_tenant_isolation, its
parameters filled with the demo shop's objects) as a manager and as a technician, and reads
off each page the forms it offers: every <form>, every HTMX element that sends a value, every
link with a query string (GET filters, HTMX partials and POST forms alike). Hypothesis then
fills each form's fields with random text, text with NUL bytes, whole numbers past what a
column holds, amounts such as 1e30, NaN or Infinity, and impossible dates (year 1, 9999,
30 February), and sends it. Two things must hold for every request:

- the answer is never a 5xx (a view that raises fails the test with its traceback);
- when every field a person types into was poisoned (a NUL byte, a number no column holds, an
  impossible date), and for every GET, the database is exactly as before: every row of every
  table of the app, compared by checksum whenever the request wrote anything at all
  (pg_stat_xact_user_tables counts the rows this transaction inserted, updated or deleted).

Other examples mix poison with each field's own value from the page or random text: those may
be accepted, so only the first rule holds for them. Each example runs in a savepoint that is
rolled back, so all of them start from the same shop.
The examples are derandomised by default (the `ci` profile in tests/conftest.py), so a run is
repeatable; HYPOTHESIS_PROFILE=explore searches wider, with fresh random examples.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from api import services as api_services
from api.models import ApiKey, Topic, WebhookDelivery, WebhookEndpoint
from billing import services as billing_services
from billing.documents import documents_prepare
from billing.models import Invoice, Method, Payment
from parts import services as parts_services
from parts.models import (
    OrderStatus,
    Part,
    PurchaseOrder,
    StockTake,
    SupplierPart,
    WorksOrderPart,
)
from pricebook import importer
from pricebook.models import OptionPart, PricebookEntry, PriceOption
from shops.demo import load_demo
from shops.models import Branch, ClosedDate, Invitation, Membership, Role
from tests.conftest import sign_in
from tests.factories import InvitationFactory
from tests.test_tenant_isolation import Route, app_routes
from tickets.lifecycle import NEXT_STEPS
from tickets.models import ChecklistItem, Status, WorksOrder
from tickets.scale import generate_demo_works_orders
from tickets.views.detail import PANELS

# Signing out, or into another shop, would leave the rest of the run signed out.
NOT_FUZZED = {"logout", "switch_shop"}
APP_LABELS = (
    "shops",
    "customers",
    "devices",
    "parts",
    "pricebook",
    "tickets",
    "billing",
    "loaners",
    "mailin",
)
# Per form: 5 under the default profile (max_examples=100), more under HYPOTHESIS_PROFILE=explore.
EXAMPLES_PER_FORM = max(3, settings.default.max_examples // 20)

NUL = "\x00"
HUGE_WHOLE = [2**31, 2**31 + 1, 2**32 + 1, 4_294_967_297, 2**63, 2**64 + 1, 10**30]
HUGE_AMOUNTS = ["1e30", "1E+30", "-1e30", "NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf"]
BAD_DATES = ["0001-01-01", "9999-12-31", "2026-02-30", "10000-01-01", "0000-00-00", "1-1-1"]


# Reading a page's forms -----------------------------------------------------------------


@dataclasses.dataclass
class Field:
    name: str
    kind: str  # text, number, date, datetime, time, select, check, hidden, file, button
    values: list[str]  # what the page offers (its value, or the options of a select)

    @property
    def typed(self) -> bool:
        """A field a person types into or chooses from, which the view must check."""
        return self.kind in ("text", "number", "date", "datetime", "time", "select")


@dataclasses.dataclass
class Form:
    method: str
    url: str
    fields: list[Field]
    seen_on: str = ""

    def key(self) -> tuple:
        if self.method == "get":  # the filters of one URL are fuzzed together
            return ("get", url_name(self.url))
        # Rows of a table post the same form with their own ids in the names: one is enough.
        names = tuple(sorted({re.sub(r"\d+", "N", f.name) for f in self.fields}))
        return (self.method, url_name(self.url), names)

    def merge(self, other: Form) -> None:
        known = {f.name for f in self.fields}
        self.fields += [f for f in other.fields if f.name not in known]


INPUT_KINDS = {
    "number": "number",
    "date": "date",
    "datetime-local": "datetime",
    "time": "time",
    "checkbox": "check",
    "radio": "check",
    "hidden": "hidden",
    "file": "file",
    "submit": "button",
    "button": None,
    "reset": None,
    "image": None,
}


class FormFinder(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def _field(self, field: Field) -> None:
        if self.form is None:
            return
        for existing in self.form.fields:
            if existing.name == field.name and existing.kind == field.kind:
                existing.values += field.values
                return
        self.form.fields.append(field)

    def handle_starttag(self, tag: str, attrs_list) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        name = attrs.get("name", "")
        if tag == "form":
            method = "post" if "hx-post" in attrs else attrs.get("method", "get").lower()
            url = attrs.get("hx-post") or attrs.get("hx-get") or attrs.get("action") or ""
            self.form = Form(method, url or self.page_url, [], self.page_url)
            self.forms.append(self.form)
        elif tag == "a" and "?" in attrs.get("href", ""):
            self._link(attrs["href"])
        elif self.form is None and ("hx-get" in attrs or "hx-post" in attrs):
            # An HTMX element outside any form sends its own value (a search box, a button).
            method = "post" if "hx-post" in attrs else "get"
            url = attrs.get("hx-post") or attrs.get("hx-get")
            self._link(url, method=method, extra=[(name, attrs.get("value", ""))] if name else [])
        if tag == "input" and name:
            kind = INPUT_KINDS.get(attrs.get("type", "text").lower(), "text")
            if kind:
                self._field(Field(name, kind, [attrs.get("value", "")]))
        elif tag == "button" and name:
            self._field(Field(name, "button", [attrs.get("value", "")]))
        elif tag == "textarea" and name:
            self.textarea = Field(name, "text", [""])
            self._field(self.textarea)
        elif tag == "select" and name:
            self.select = Field(name, "select", [])
            self._field(self.select)
        elif tag == "option" and self.select is not None:
            self.select.values.append(attrs.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.values = [data]

    def _link(self, url: str, method: str = "get", extra=()) -> None:
        parts = urlsplit(url)
        params = parse_qsl(parts.query, keep_blank_values=True)
        fields = [Field(k, "text", [v]) for k, v in [*params, *extra]]
        if fields:
            self.forms.append(Form(method, parts.path or self.page_url, fields, self.page_url))


def url_name(url: str) -> str | None:
    path = urlsplit(url).path
    if not path.startswith("/") or path.startswith(("/static/", "/media/")):
        return None
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


# The shop the test works in --------------------------------------------------------------


def demo_values(shop) -> dict[str, list]:
    """Path parameters filled with the demo shop's objects: several where the page differs."""
    jobs = WorksOrder.objects.for_shop(shop).order_by("pk")
    one_job_per_status = [
        job.number
        for status in Status.values
        if (job := jobs.filter(status=status).first()) is not None
    ]
    branch = Branch.objects.for_shop(shop).get(code="BHM")
    manager = Membership.objects.for_shop(shop).filter(role=Role.MANAGER).first()
    technician = Membership.objects.for_shop(shop).filter(role=Role.TECHNICIAN).first()
    tracked = Part.objects.for_shop(shop).filter(tracks_serials=True).first()
    plain = Part.objects.for_shop(shop).filter(tracks_serials=False).first()
    orders = PurchaseOrder.objects.for_shop(shop)
    order_numbers = [
        order.number
        for status in (OrderStatus.DRAFT, OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED)
        if (order := orders.filter(status=status).first()) is not None
    ]
    take = StockTake.objects.for_shop(shop).first()
    invitation = Invitation.objects.for_shop(shop).first()
    closed = ClosedDate.objects.for_shop(shop).filter(branch=branch).first()
    upload = importer.import_start(
        shop=shop,
        upload=SimpleUploadedFile("prices.csv", (importer_sample()).encode()),
        by=manager,
    )
    template, schedule = templates_and_schedules(shop, branch, manager)
    loan = loan_and_parcel(shop, branch, manager)
    online_booking_on(shop, branch, manager)
    return {
        "loaner_id": [loan.loaner_id],
        "key_id": [ApiKey.objects.for_shop(shop).first().pk],
        "endpoint_id": [WebhookEndpoint.objects.for_shop(shop).first().pk],
        "delivery_id": [WebhookDelivery.objects.for_shop(shop).first().pk],
        "device_id": [jobs.first().device_id],
        "template_id": [template.pk],
        "schedule_id": [schedule.pk],
        "branch_code": [branch.code],
        "member_id": [technician.pk],
        "invitation_id": [invitation.pk],
        "closed_date_id": [closed.pk],
        "number": one_job_per_status,
        "customer_id": [jobs.first().customer_id],
        "entry_id": [PricebookEntry.objects.for_shop(shop).first().pk],
        "option_id": [PriceOption.objects.for_shop(shop).first().pk],
        "option_part_id": [OptionPart.objects.for_shop(shop).first().pk],
        "import_id": [upload.pk],
        "token": [uuid.uuid4().hex],  # an unknown invitation: its page says so
        "slug": [shop.slug],  # the public booking page (on: see online_booking_on)
        "uidb64": ["MQ"],
        "part_id": [plain.pk, tracked.pk],
        "supplier_id": [SupplierPart.objects.for_shop(shop).first().supplier_id],
        "kind": ["receive", "adjust", "transfer", "return"],
        "po_number": order_numbers,
        "take_number": [take.number],
        "invoice_number": list(Invoice.objects.for_shop(shop).values_list("number", flat=True)[:1]),
        "panel": list(PANELS),  # opened as a page: the works order with that panel's form drawn
    }


def online_booking_on(shop, branch, manager) -> None:
    """The public booking page open, at the branch the test opens, so its form is fuzzed."""
    from booking.services import booking_settings_save

    booking_settings_save(
        shop=shop,
        enabled=True,
        slot_minutes=30,
        days_ahead=14,
        notice_hours=0,
        embed_origins=[],
        per_slot={branch.pk: 2},
        by=manager,
    )


def templates_and_schedules(shop, branch, manager):
    """A job template (its checklist on an open job) and a schedule that raised a visit."""
    import datetime

    from recurring.services import ScheduleData, schedule_create, visits_raise
    from tickets.job_templates import checklist_copy, job_template_save
    from tickets.models import JobTemplate

    template = job_template_save(
        template=JobTemplate(shop=shop, name="Fleet check", checklist=["Battery", "Software"]),
        lines=[{"kind": "labour", "description": "Check", "quantity": 1, "unit_price": 20}],
    )
    job = WorksOrder.objects.for_shop(shop).filter(status=Status.IN_PROGRESS).first()
    checklist_copy(works_order=job, template=template, by=manager)
    first = datetime.date(2030, 1, 7)
    data = ScheduleData(
        name="Fleet contract",
        customer=job.customer,
        devices=[job.device],
        branch=branch,
        template=template,
        priority="standard",
        frequency="monthly",
        interval=1,
        starts_on=first,
        ends_on=None,
        lead_days=7,
    )
    schedule = schedule_create(data=data, by=manager)
    visits_raise(today=first)
    return template, schedule


def loan_and_parcel(shop, branch, manager):
    """A loaner out with a deposit on an open job that is also a mail-in, and one in the shop."""
    import datetime

    from loaners.services import loaner_add, loaner_lend
    from mailin.services import mail_in_set

    # The demo has a job on the bench in every open stage, but not always at this branch (it
    # varies with the day the demo is generated): the loaners go where the job is.
    on_the_bench = WorksOrder.objects.for_shop(shop).filter(status=Status.IN_PROGRESS)
    job = on_the_bench.filter(branch=branch).order_by("pk").first()
    job = job or on_the_bench.select_related("branch").order_by("pk").first()
    branch = job.branch
    lent = loaner_add(branch=branch, name="iPhone 11", serial="F17ZK2", condition="", by=manager)
    loaner_add(branch=branch, name="Galaxy A14", serial="R58N01", condition="", by=manager)
    mail_in_set(
        works_order=job,
        carrier="royal_mail",
        inbound_tracking="AB123456789GB",
        return_tracking="",
        by=manager,
    )
    return loaner_lend(
        works_order=job,
        loaner=lent,
        due_back=datetime.date.today() + datetime.timedelta(days=7),
        condition="",
        deposit=Decimal("50.00"),
        deposit_method=Method.CASH,
        by=manager,
    )


def importer_sample() -> str:
    return (
        "category,make,model,repair_type,grade,price,labour_minutes,warranty_days\n"
        "phone,Apple,iPhone 13,Screen,oem,189.00,45,90\n"
    )


def fillings(route: Route, values: dict[str, list], shop) -> Iterator[str]:
    """Every way of filling this route's parameters worth opening."""
    params = set(route.params)
    if not params:
        yield route.fill({})
        return
    pairs: list[dict] = []
    if params == {"number", "step"}:
        for number in values["number"]:
            status = WorksOrder.objects.for_shop(shop).get(number=number).status
            pairs += [{"number": number, "step": s} for s in NEXT_STEPS.get(status, ())]
    elif params == {"number", "part_line_id"}:
        line = WorksOrderPart.objects.for_shop(shop).select_related("works_order").first()
        pairs = [{"number": line.works_order.number, "part_line_id": line.pk}]
    elif params == {"number", "payment_id"}:
        payment = Payment.objects.for_shop(shop).filter(refund_of__isnull=True).first()
        pairs = [{"number": payment.works_order.number, "payment_id": payment.pk}]
    elif params == {"number", "position"}:
        item = ChecklistItem.objects.for_shop(shop).select_related("works_order").first()
        pairs = [{"number": item.works_order.number, "position": item.position}]
    elif params == {"number", "loan_id"}:
        from loaners.models import Loan

        loan = Loan.objects.for_shop(shop).select_related("works_order").first()
        pairs = [{"number": loan.works_order.number, "loan_id": loan.pk}]
    elif params == {"number", "photo_id"}:
        pairs = []  # photos are another test's business; there is no form on a photo's URL
    elif params == {"part_id", "supplier_part_id"}:
        ref = SupplierPart.objects.for_shop(shop).first()
        pairs = [{"part_id": ref.part_id, "supplier_part_id": ref.pk}]
    elif params == {"po_number", "line_id"}:
        order = PurchaseOrder.objects.for_shop(shop).filter(status=OrderStatus.DRAFT).first()
        pairs = [{"po_number": order.number, "line_id": order.lines.first().pk}]
    elif params == {"take_number", "part_id"}:
        take = StockTake.objects.for_shop(shop).first()
        pairs = [{"take_number": take.number, "part_id": take.lines.first().part_id}]
    else:
        names = sorted(params)
        for combo in itertools.product(*(values[n] for n in names)):
            pairs.append(dict(zip(names, combo, strict=True)))
    for kwargs in pairs:
        yield route.fill(kwargs)


def find_forms(client: Client, routes: list[Route], values, shop) -> list[Form]:
    found: dict[tuple, Form] = {}
    for route in routes:
        if route.name in NOT_FUZZED:
            continue
        for url in fillings(route, values, shop):
            # Every URL is also sent the way a person may tamper with it: its own query
            # string, fuzzed with the names any of the app's filters use (added below).
            found.setdefault(("get", route.name), Form("get", url, [], url))
            if url.endswith((".pdf", ".csv")):
                continue  # no forms in there, and slow to make
            response = client.get(url, follow=True)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            # A redirect (a panel opened as a page) is read where it ended: forms without an
            # action post there.
            finder = FormFinder(response.redirect_chain[-1][0] if response.redirect_chain else url)
            finder.feed(response.content.decode())
            for form in finder.forms:
                if url_name(form.url) not in (None, *NOT_FUZZED):
                    found.setdefault(form.key(), form).merge(form)
    # Every URL also gets every GET parameter name seen anywhere: a view that reads one raw
    # from request.GET is tried whether or not its own page links to it.
    gets = [form for form in found.values() if form.method == "get"]
    names = {f.name for form in gets for f in form.fields} - {"csrfmiddlewaretoken"}
    for form in gets:
        form.merge(Form("get", "", [Field(name, "text", [""]) for name in sorted(names)]))
    return [form for form in found.values() if form.fields]


# What the database holds ------------------------------------------------------------------


def checksum_sql() -> str:
    tables = sorted(
        model._meta.db_table
        for label in APP_LABELS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and model._meta.managed
    )
    parts = [
        f"(SELECT md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) "
        f'FROM "{table}" t) AS "{table}"'
        for table in tables
    ]
    return "SELECT " + ", ".join(parts)


# Rows this transaction has written so far: cheap to read, so the checksums above are compared
# only after a request that wrote something (perhaps in a savepoint it then rolled back).
WRITES_SQL = (
    "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
)


def writes() -> int:
    with connection.cursor() as cursor:
        cursor.execute(WRITES_SQL)
        return cursor.fetchone()[0]


def snapshot(sql: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        names = [c.name for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


# What Hypothesis sends --------------------------------------------------------------------

short_text = st.text(max_size=12)
with_nul = st.tuples(short_text, short_text).map(lambda ab: ab[0] + NUL + ab[1])
huge_whole = st.one_of(
    st.sampled_from(HUGE_WHOLE),
    st.integers(min_value=2**31),
    st.integers(max_value=-(2**31) - 1),
).map(str)
huge_amount = st.one_of(
    st.sampled_from(HUGE_AMOUNTS),
    st.integers(min_value=9, max_value=40).map(lambda n: f"1e{n}"),
    st.decimals(min_value=10**10, allow_nan=False, places=2).map(str),
)
bad_date = st.sampled_from(BAD_DATES)
POISON = {
    "number": st.one_of(huge_whole, huge_amount, with_nul),
    "date": st.one_of(bad_date, with_nul),
    "datetime": st.one_of(bad_date.map(lambda d: f"{d}T23:59"), with_nul),
    "time": st.one_of(st.sampled_from(["25:61", "24:00", "99:99"]), with_nul),
}
NOISE = st.one_of(
    st.text(max_size=40),
    st.integers().map(str),
    st.sampled_from(["", "0", "-1", "1.5", "2026-02-28", "yes", "on"]),
)


def file_strategy() -> st.SearchStrategy:
    header = "category,make,model,repair_type,grade,price,labour_minutes,warranty_days"
    csv_with = st.sampled_from(
        [
            f"{header}\nphone,Apple,iPhone 13,Screen,oem,{{}},45,90\n",
            f"{header},{{}}\nphone,Apple,iPhone 13,Screen,oem,189.00,45,90,x\n",
            f"{header}\nphone,Apple,{{}},Screen,oem,189.00,45,90\n",
            f"{header}\nphone,Apple,iPhone 13,Screen,oem,189.00,{{}},90\n",
        ]
    )
    value = st.one_of(huge_whole, huge_amount, with_nul, short_text)
    csv_file = st.tuples(csv_with, value).map(lambda tv: tv[0].replace("{}", tv[1]).encode())
    return st.one_of(csv_file, st.binary(max_size=200))


def field_value(data: st.DataObject, field: Field, poison: bool):
    """What to send for one field: poison, or the page's own value, or noise."""
    if field.kind == "file":
        content = data.draw(file_strategy(), label=field.name)
        return SimpleUploadedFile("upload.csv", content)
    if poison:
        return data.draw(POISON.get(field.kind, with_nul), label=field.name)
    offered = [v for v in field.values if v] or [""]
    return data.draw(st.one_of(st.sampled_from(offered), NOISE), label=field.name)


# The test --------------------------------------------------------------------------------


@pytest.fixture
def demo_shop(db, settings):
    settings.DEBUG = False
    shop, _ = load_demo()
    generate_demo_works_orders(shop)
    from parts.demo import load_demo_stock

    load_demo_stock(shop)
    manager = Membership.objects.for_shop(shop).filter(role=Role.MANAGER).first()
    branch = Branch.objects.for_shop(shop).get(code="BHM")
    parts_services.stock_take_start(branch=branch, by=manager)
    InvitationFactory(shop=shop)
    # An API key and a webhook that hears everything: the invoice and payment below are
    # delivered (logged), so the delivery log has rows and a "Send again" form.
    api_services.api_key_create(by=manager, name="Shop sync", scope="write")
    api_services.webhook_endpoint_create(
        by=manager, url="https://shop.example/hooks", topics=[t.value for t in Topic]
    )
    # A ready job invoiced and part paid: the invoice panel then offers every billing form.
    ready = WorksOrder.objects.for_shop(shop).filter(status=Status.READY).first()
    billing_services.invoice_issue(works_order=ready, by=manager)
    billing_services.payment_take(
        works_order=ready, method=Method.CARD_TERMINAL, amount=Decimal("1.00"), by=manager
    )
    # The worker renders an issued invoice's PDFs at once; a download only reads them.
    for invoice in Invoice.objects.for_shop(shop):
        documents_prepare(invoice.pk)
    ClosedDate.objects.get_or_create(shop=shop, branch=branch, date="2030-12-24")
    return shop


@pytest.mark.parametrize("role", [Role.MANAGER, Role.TECHNICIAN])
def test_bad_input_never_answers_5xx_and_a_refused_request_changes_nothing(demo_shop, role):
    started = time.monotonic()
    member = (
        Membership.objects.for_shop(demo_shop)
        .filter(role=role, is_active=True)
        .order_by("pk")
        .first()
    )
    client = sign_in(Client(), member)
    values = demo_values(demo_shop)
    forms = find_forms(client, app_routes(), values, demo_shop)
    assert len(forms) > 20, "the crawler found too few forms: is the demo shop loaded?"
    print(f"{len(forms)} forms found in {time.monotonic() - started:.1f} s")
    sql = checksum_sql()
    failures: list[str] = []
    for form in forms:
        sign_in(client, member)  # a previous form may have changed the session
        try:
            fuzzer(client, form, sql)()
        except Exception as failure:  # each form's failure is reported below
            notes = "\n".join(getattr(failure, "__notes__", []))
            failures.append(
                f"{form.method.upper()} {form.url} (from {form.seen_on}):\n"
                f"  {type(failure).__name__}: {failure}\n{notes}"
            )
    # Printed, not asserted: on a shared machine a time limit fails for the load, not the code.
    print(f"{len(forms)} forms fuzzed in {time.monotonic() - started:.1f} s")
    assert not failures, f"{len(failures)} of {len(forms)} forms failed:\n\n" + "\n\n".join(
        failures
    )


def fuzzer(client: Client, form: Form, sql: str):
    typed = [f for f in form.fields if f.typed]

    # No shrinking: a request per step would make a failure cost minutes; the example as drawn
    # (a handful of fields) is readable enough.
    @settings(
        max_examples=EXAMPLES_PER_FORM,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def fuzz(data):
        poison_all = bool(typed) and data.draw(st.booleans(), label="poison every field")
        payload: dict[str, object] = {}
        for field in form.fields:
            if field.name == "csrfmiddlewaretoken":
                continue
            if field.kind in ("check", "button") and not data.draw(st.booleans()):
                continue  # an unticked box or another button: not sent at all
            poison = (poison_all and field.typed) or data.draw(st.booleans())
            payload[field.name] = field_value(data, field, poison)
        htmx = data.draw(st.booleans(), label="sent by htmx")
        headers = {"HX-Request": "true"} if htmx else {}
        send = client.post if form.method == "post" else client.get
        after = None
        with transaction.atomic():
            written = writes()
            response = send(urlsplit(form.url).path, payload, headers=headers)
            assert response.status_code < 500, f"{response.status_code} from {form.url}"
            if (form.method == "get" or poison_all) and writes() != written:
                after = snapshot(sql)
            transaction.set_rollback(True)
        if after is not None:  # the request wrote: compare with the rows as they were
            before = snapshot(sql)
            changed = [table for table in before if before[table] != after[table]]
            assert not changed, f"refused input changed {changed}"

    return fuzz
