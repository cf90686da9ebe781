"""Closed works orders as Open Repair Data: the Open Repair Alliance's data standard (ORDS v0.3),
one CSV row per repair attempt, so a shop can add its repairs to the shared repair statistics.

What goes in each column:

* id: the works order's number with the shop's slug before it (unique in the shop's data);
  data_provider the shop's name; group_identifier the branch's code; country the branch's
  country as ISO 3166 alpha-3 (its public-holiday country, else the shop's phone region).
* partner_product_category: our category and the device's model ("Phone ~ iPhone 13"), the
  standard's convention for a provider's own categories; product_category and
  product_category_id: the standard's category for ours (phone → Mobile, laptop → Laptop…).
* brand: the device's make. year_of_manufacture: where known, which is when the model's name
  says its year ("MacBook Air 13-inch (M1, 2020)"); product_age: the event's year less it.
* repair_status: Fixed for a collected job; for a cancelled one what the counter said when
  cancelling (Repairable, or End of life with repair_barrier_if_end_of_life from the
  standard's codelist). A cancelled job nobody judged was no repair attempt and is left out.
* event_date: the day it was collected or cancelled, in the branch's time (YYYY-MM-DD).
* problem: the fault as the customer reported it; notes: the repair type and the technician's
  diagnosis. Both are free text typed at the counter and the bench, so customer data is
  scrubbed out of them (`scrub`): the customer's name and the collecting person's, email
  addresses, phone numbers, and long digit runs (IMEIs, serial numbers) become [name], [email],
  [phone], [number]. No other customer field is read at all.

Rows are read in chunks from a server-side cursor and written as they are read
(`ords_rows` → the view's StreamingHttpResponse), so a year of a big shop never sits in memory.
"""

from __future__ import annotations

import csv
import datetime
import re
import zoneinfo
from collections.abc import Iterable, Iterator

import phonenumbers
from django.db.models import Q

from billing.export import _safe as cell_safe  # formulas quoted as the accounts export does
from shops.models import Branch, Shop
from tickets.models import RepairBarrier, RepairOutcome, Status, WorksOrder

COLUMNS = [
    "id", "data_provider", "country", "partner_product_category", "product_category",
    "product_category_id", "brand", "year_of_manufacture", "product_age", "repair_status",
    "repair_barrier_if_end_of_life", "group_identifier", "event_date", "problem", "notes",
]  # fmt: skip

# Our device categories → the standard's product categories (name, id).
PRODUCT_CATEGORY = {
    "phone": ("Mobile", 19),
    "tablet": ("Tablet", 30),
    "laptop": ("Laptop", 16),
    "console": ("Games console", 38),
    "watch": ("Watch/clock", 35),
    "other": ("Misc", 18),
}
CATEGORY_LABEL = {
    "phone": "Phone",
    "tablet": "Tablet",
    "laptop": "Laptop",
    "console": "Console",
    "watch": "Watch",
    "other": "Other",
}
FIXED, REPAIRABLE, END_OF_LIFE = "Fixed", "Repairable", "End of life"
STATUS_OF_OUTCOME = {RepairOutcome.REPAIRABLE: REPAIRABLE, RepairOutcome.END_OF_LIFE: END_OF_LIFE}
BARRIER_TEXT = dict(RepairBarrier.choices)  # the standard's own words

# ISO 3166 alpha-2 → alpha-3 for the countries a branch is likely to be in; another country's
# column is left empty rather than guessed.
ALPHA3 = {
    "GB": "GBR", "IE": "IRL", "FR": "FRA", "DE": "DEU", "NL": "NLD", "BE": "BEL", "LU": "LUX",
    "ES": "ESP", "PT": "PRT", "IT": "ITA", "AT": "AUT", "CH": "CHE", "DK": "DNK", "SE": "SWE",
    "NO": "NOR", "FI": "FIN", "IS": "ISL", "PL": "POL", "CZ": "CZE", "SK": "SVK", "HU": "HUN",
    "SI": "SVN", "HR": "HRV", "RO": "ROU", "BG": "BGR", "GR": "GRC", "CY": "CYP", "MT": "MLT",
    "EE": "EST", "LV": "LVA", "LT": "LTU", "US": "USA", "CA": "CAN", "AU": "AUS", "NZ": "NZL",
    "ZA": "ZAF", "IN": "IND", "JP": "JPN",
}  # fmt: skip

CHUNK = 2000
YEAR_IN_NAME = re.compile(r"(?<![\w-])(20\d\d)(?![\w-])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# An IMEI, a serial or account number, or a phone number phonenumbers did not recognise: seven
# digits or more, with spaces, dots, dashes or brackets between them.
DIGIT_RUN = re.compile(r"\+?\(?\d(?:[\s().-]{0,2}\d){6,}")


def scrub(text: str, *, names: Iterable[str] = (), region: str = "GB") -> str:
    """`text` without the names given (whole and each word of them), email addresses, phone
    numbers and long digit runs."""
    if not text:
        return ""
    text = EMAIL.sub("[email]", text)
    for match in reversed(list(phonenumbers.PhoneNumberMatcher(text, region or "GB"))):
        text = text[: match.start] + "[phone]" + text[match.end :]
    text = DIGIT_RUN.sub("[number]", text)
    words: set[str] = set()
    for name in names:
        name = (name or "").strip()
        if name:
            words.add(name)
            words.update(part for part in re.split(r"[\s,.]+", name) if len(part) >= 2)
    # The longest first, so "Jane Doe" goes as one, not as "[name] [name]".
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", "[name]", text, flags=re.IGNORECASE)
    return " ".join(text.split())


def closed_jobs(
    shop: Shop, start: datetime.datetime, end: datetime.datetime, branch: Branch | None = None
):
    """Works orders collected in the period, and those cancelled in it with an outcome said."""
    jobs = WorksOrder.objects.for_shop(shop).filter(
        Q(status=Status.COLLECTED, collected_at__gte=start, collected_at__lt=end)
        | Q(
            status=Status.CANCELLED,
            cancelled_at__gte=start,
            cancelled_at__lt=end,
            repair_outcome__in=list(STATUS_OF_OUTCOME),
        )
    )
    if branch is not None:
        jobs = jobs.filter(branch=branch)
    return jobs.order_by("id").values_list(
        *("number", "status", "collected_at", "cancelled_at", "repair_outcome", "repair_barrier"),
        *("fault_reported", "diagnosis", "collected_by_name", "customer__full_name"),
        *("device__category", "device__make", "device__model_name", "repair_type__name"),
        *("branch__code", "branch__timezone", "branch__holidays_country"),
    )


def ords_rows(
    shop: Shop, start: datetime.datetime, end: datetime.datetime, branch: Branch | None = None
) -> Iterator[dict[str, str]]:
    """One dict per closed works order, keyed by COLUMNS."""
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    region = shop.phone_region or "GB"
    for (
        number, status, collected_at, cancelled_at, outcome, barrier,
        fault, diagnosis, collected_by, customer_name,
        category, make, model_name, repair_type,
        branch_code, zone_name, country,
    ) in closed_jobs(shop, start, end, branch).iterator(chunk_size=CHUNK):  # fmt: skip
        zone = zones.setdefault(zone_name, zoneinfo.ZoneInfo(zone_name))
        day = (collected_at if status == Status.COLLECTED else cancelled_at).astimezone(zone).date()
        year = year_of_manufacture(model_name, day.year)
        product, product_id = PRODUCT_CATEGORY.get(category, PRODUCT_CATEGORY["other"])
        repair_status = FIXED if status == Status.COLLECTED else STATUS_OF_OUTCOME[outcome]
        names = (customer_name, collected_by)
        notes = [f"Repair: {repair_type}." if repair_type else ""]
        if diagnosis.strip():
            notes.append(f"Diagnosis: {scrub(diagnosis, names=names, region=region)}")
        yield {
            "id": f"{shop.slug}-{number}",
            "data_provider": shop.name,
            "country": ALPHA3.get((country or region).upper(), ""),
            "partner_product_category": " ~ ".join(
                part for part in (CATEGORY_LABEL.get(category, "Other"), model_name) if part
            ),
            "product_category": product,
            "product_category_id": str(product_id),
            "brand": make,
            "year_of_manufacture": str(year) if year else "",
            "product_age": str(day.year - year) if year else "",
            "repair_status": repair_status,
            "repair_barrier_if_end_of_life": BARRIER_TEXT.get(barrier, "")
            if repair_status == END_OF_LIFE
            else "",
            "group_identifier": branch_code,
            "event_date": day.isoformat(),
            "problem": scrub(fault, names=names, region=region),
            "notes": " ".join(note for note in notes if note),
        }


def year_of_manufacture(model_name: str, event_year: int) -> int | None:
    """The year a model's name gives ("… (M1, 2020)"), if it is a year it could have been made."""
    years = [int(y) for y in YEAR_IN_NAME.findall(model_name or "") if int(y) <= event_year]
    return years[-1] if years else None


class _Line:
    """A file-like object that hands back what the csv writer writes to it."""

    def write(self, value: str) -> str:
        return value


def ords_csv(
    shop: Shop, start: datetime.datetime, end: datetime.datetime, branch: Branch | None = None
) -> Iterator[str]:
    """The export as CSV text, a line at a time: the header, then each row as it is read."""
    writer = csv.DictWriter(_Line(), fieldnames=COLUMNS, lineterminator="\r\n")
    yield writer.writeheader()
    for row in ords_rows(shop, start, end, branch):
        yield writer.writerow({name: cell_safe(value) for name, value in row.items()})
