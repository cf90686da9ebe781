"""Realistic data at scale: shops, branches, staff, customers, devices and works orders spread over
two years and every status, with their quotes, consents, bench time and timelines.

Small tables (shops, branches, staff) go through shops.services.shop_create (terms, owner,
catalogue) and bulk_create. The big ones are streamed with binary PostgreSQL COPY, one
transaction per chunk of works orders:

- ids are reserved from each table's own sequence, so rows can point at each other before they
  are written and the app's next insert carries on after them;
- works-order numbers are taken from tickets_numbercounter the way a booking takes them (one
  upsert per series, in the chunk's transaction), so numbers are gap-free per series and the
  next booking at the counter gets the next one;
- every row carries its shop and points only at rows of the same shop; every foreign key of a
  chunk's rows, the same-shop composite ones included, is checked before it commits (one query
  per key, see Filler.write), or by the database's own triggers with keep_triggers.

Only the columns generated here are written; any other NOT NULL column without a database
default gets its Django default (Django defaults are not database defaults), so new columns with
defaults keep working without a change here.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import hashlib
import io
import itertools
import json
import math
import operator
import random
import time
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from psycopg.types.json import set_json_dumps

from customers.models import Customer
from devices.models import Device, DeviceModel
from pricebook.models import RepairType
from shops.models import (
    Branch,
    Membership,
    MembershipBranch,
    NumberingScheme,
    OpeningHours,
    Role,
    Shop,
    Skill,
    TermsVersion,
    User,
    Wording,
)
from shops.money import format_money
from tickets import passcodes
from tickets.lifecycle import STEP_EVENTS, step_text
from tickets.models import (
    Approval,
    Consent,
    ConsentMethod,
    Event,
    NoteKind,
    Priority,
    QuoteLine,
    SlaClock,
    Status,
    TimeEntry,
    TimelineEntry,
    WorksOrder,
    status_token_for,
    status_token_hash,
)
from tickets.services import final_price_text

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC
TWO_YEARS = 730
CHUNK = 5000  # works orders per transaction
BENCH_MINUTES = (20, 30, 30, 45, 45, 60, 90, 120)  # estimated hands-on time of a repair
DEMO_PASSWORD = "benchdesk-demo"

# --- Reference data -------------------------------------------------------------------------


def _words(text: str, sep: str | None = None) -> list[str]:
    return [word.strip() for word in text.replace("\n", "" if sep else " ").split(sep)]


FIRST_NAMES = _words("""
Oliver George Harry Noah Jack Leo Arthur Muhammad Oscar Charlie Jacob Thomas Henry
William Freddie Alfie Theo James Archie Joshua Alexander Isaac Lucas Edward Samuel Joseph Daniel
Adam Ethan Mason Logan Max Finley Reuben Harrison Sebastian Toby Dylan Elijah Ryan Luke Callum
Kieran Owen Rhys Gareth Ewan Hamish Connor Aidan Liam Sean Ravi Arjun Rohan Imran Bilal Kwame
Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Willow Freya Florence Emily Ella
Poppy Evie Elsie Charlotte Evelyn Sienna Daisy Phoebe Harper Sophie Ruby Chloe Jessica Hannah
Megan Lauren Bethany Rebecca Amy Laura Emma Sarah Rachel Catherine Fiona Niamh Siobhan Eilidh
Cerys Ffion Seren Carys Priya Aisha Fatima Zara Amira Nadia Leah Abigail Holly Katie Lucy Mary
Margaret Susan Helen Karen Julie Claire Nicola Joanne Paul Mark David Andrew Richard Stephen
Michael Peter Simon Ian Martin Christopher Robert Neil Gary Darren Wayne Craig""")

SURNAMES = _words("""
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson
Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood
Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott
Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson
Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams
Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell
Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins
Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott
Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer
Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees
Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods
Stone Parsons Reid Macdonald Fraser Haddad Shah Kowalski Nowak Okafor Mensah Chowdhury""")

# name, branch code, postcode area, landline prefix (Ofcom's drama numbers where a town has them)
TOWNS = [
    ("Birmingham", "BHM", "B", "0121 496 0"),
    ("Coventry", "COV", "CV", "024 7699 0"),
    ("Leeds", "LDS", "LS", "0113 496 0"),
    ("Manchester", "MAN", "M", "0161 496 0"),
    ("Bristol", "BRS", "BS", "0117 496 0"),
    ("Sheffield", "SHF", "S", "0114 496 0"),
    ("Nottingham", "NOT", "NG", "0115 496 0"),
    ("Leicester", "LEI", "LE", "0116 496 0"),
    ("Reading", "RDG", "RG", "0118 496 0"),
    ("Liverpool", "LPL", "L", "0151 496 0"),
    ("Newcastle", "NCL", "NE", "0191 498 0"),
    ("Edinburgh", "EDI", "EH", "0131 496 0"),
    ("Glasgow", "GLA", "G", "0141 496 0"),
    ("Cardiff", "CDF", "CF", "029 2018 0"),
    ("Belfast", "BFS", "BT", "028 9649 6"),
    ("Camden", "CAM", "NW", "020 7946 0"),
    ("Croydon", "CRY", "CR", "020 7946 0"),
    ("York", "YRK", "YO", "01632 960"),
    ("Oxford", "OXF", "OX", "01632 960"),
    ("Cambridge", "CBG", "CB", "01632 960"),
    ("Norwich", "NRW", "NR", "01632 960"),
    ("Exeter", "EXE", "EX", "01632 960"),
    ("Plymouth", "PLY", "PL", "01632 960"),
    ("Southampton", "SOU", "SO", "01632 960"),
    ("Portsmouth", "PMS", "PO", "01632 960"),
    ("Brighton", "BTN", "BN", "01632 960"),
    ("Derby", "DBY", "DE", "01632 960"),
    ("Stoke-on-Trent", "STK", "ST", "01632 960"),
    ("Wolverhampton", "WVH", "WV", "01632 960"),
    ("Bath", "BTH", "BA", "01632 960"),
    ("Swansea", "SWA", "SA", "01632 960"),
    ("Aberdeen", "ABD", "AB", "01632 960"),
    ("Dundee", "DND", "DD", "01632 960"),
    ("Hull", "HUL", "HU", "01632 960"),
    ("Bradford", "BFD", "BD", "01632 960"),
    ("Preston", "PRE", "PR", "01632 960"),
    ("Bolton", "BOL", "BL", "01632 960"),
    ("Milton Keynes", "MKC", "MK", "01632 960"),
    ("Northampton", "NTH", "NN", "01632 960"),
    ("Peterborough", "PBO", "PE", "01632 960"),
    ("Ipswich", "IPS", "IP", "01632 960"),
    ("Canterbury", "CBE", "CT", "01632 960"),
    ("Chester", "CHE", "CH", "01632 960"),
    ("Lincoln", "LCN", "LN", "01632 960"),
    ("Gloucester", "GLO", "GL", "01632 960"),
    ("Cheltenham", "CHT", "GL", "01632 960"),
    ("Worcester", "WOS", "WR", "01632 960"),
    ("Luton", "LTN", "LU", "01632 960"),
    ("Watford", "WFD", "WD", "01632 960"),
    ("Guildford", "GFD", "GU", "01632 960"),
    ("Sunderland", "SUN", "SR", "01632 960"),
    ("Middlesbrough", "MBR", "TS", "01632 960"),
    ("Huddersfield", "HUD", "HD", "01632 960"),
    ("Wakefield", "WKF", "WF", "01632 960"),
    ("Doncaster", "DON", "DN", "01632 960"),
    ("Blackpool", "BPL", "FY", "01632 960"),
    ("Carlisle", "CAR", "CA", "01632 960"),
    ("Inverness", "INV", "IV", "01632 960"),
    ("Stirling", "STG", "FK", "01632 960"),
    ("Wrexham", "WRX", "LL", "01632 960"),
    ("Newport", "NWP", "NP", "01632 960"),
    ("Bournemouth", "BMH", "BH", "01632 960"),
    ("Salisbury", "SAL", "SP", "01632 960"),
    ("Shrewsbury", "SHR", "SY", "01632 960"),
    ("Harrogate", "HGT", "HG", "01632 960"),
    ("Durham", "DUR", "DH", "01632 960"),
    ("Lancaster", "LAN", "LA", "01632 960"),
    ("Colchester", "COL", "CO", "01632 960"),
    ("Chelmsford", "CHM", "CM", "01632 960"),
    ("Maidstone", "MDS", "ME", "01632 960"),
    ("Swindon", "SWI", "SN", "01632 960"),
    ("Taunton", "TAU", "TA", "01632 960"),
    ("Truro", "TRU", "TR", "01632 960"),
]
STREETS = _words(
    """High Street|Market Street|Station Road|Church Street|Queen Street|King Street|
Bridge Street|Victoria Road|Castle Street|George Street|Park Road|Mill Lane|North Street|
The Arcade|Broad Street|Westgate|Northgate|Commercial Street|Union Street|Fore Street""",
    "|",
)
SHOP_BRANDS = _words(
    """Fix Corner|Gadget Hospital|Phone Medic|Screen Savers|Device Doctor|Mend & Go|
Tech Rescue|Swift Fix|Pocket Repairs|The Repair Bench|Fone Fixers|Byte Fix|Circuit Clinic|
Quick Mend|Cracked It|Repair Lab|The Fix Hub|iMend|Mobile Mechanics|Gadget Garage|Smart Repairs|
Glass & Battery|Solder & Screen|Handset Heroes|Repair Republic|Bench & Board""",
    "|",
)
COMPANIES = _words(
    """Builders|Plumbing|Electrical|Lettings|Logistics|Cafe|Dental Practice|Estate Agents|
Taxis|Accountants|Florists|Roofing|Joinery|Removals|Vets|Pharmacy""",
    "|",
)
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]
COLOURS = {
    "phone": ["Midnight", "Starlight", "Blue", "Purple", "Red", "Graphite", "Black", "White"],
    "tablet": ["Space Grey", "Silver", "Blue", "Pink", "Starlight"],
    "laptop": ["Space Grey", "Silver", "Black", "Midnight"],
    "console": ["White", "Black"],
    "watch": ["Midnight", "Starlight", "Silver", "Black"],
    "other": ["Black", "White", "Grey"],
}
STORAGE = {
    "phone": ["64 GB", "128 GB", "128 GB", "256 GB", "512 GB"],
    "tablet": ["64 GB", "128 GB", "256 GB"],
    "laptop": ["256 GB", "512 GB", "1 TB"],
    "console": ["825 GB", "1 TB", "512 GB"],
    "watch": [""],
    "other": [""],
}
# Devices that carry an IMEI (the rest are booked in by serial number).
IMEI_SHARE = {"phone": 0.97, "tablet": 0.35, "watch": 0.2}
CATEGORY_WEIGHTS = {"phone": 70, "tablet": 11, "laptop": 11, "console": 5, "watch": 3}
SKILL_OF = {
    "phone": Skill.PHONES,
    "tablet": Skill.TABLETS,
    "laptop": Skill.LAPTOPS,
    "console": Skill.CONSOLES,
    "watch": Skill.WATCHES,
}


@dataclass(frozen=True)
class Repair:
    weight: int
    fault: str
    diagnosis: str
    lines: tuple  # (kind, description, lowest gross £, highest gross £)
    codes: str = ""
    excluded: str = ""


def _repairs(*rows: tuple) -> list[Repair]:
    return [Repair(*row) for row in rows]


REPAIRS = {
    "phone": _repairs(
        (
            30,
            "Screen cracked after a drop; touch still works",
            "Display assembly cracked; digitiser responsive, frame straight.",
            (("part", "Screen assembly", 69, 249), ("labour", "Fitting and test", 15, 35)),
        ),
        (
            18,
            "Battery drains by lunchtime and shuts down at 20 %",
            "Battery health 71 %, over 900 cycles.",
            (("part", "Battery", 39, 89), ("labour", "Fitting and test", 15, 25)),
            "Battery health 71 %",
        ),
        (
            10,
            "Only charges if the cable is held at an angle",
            "Lint packed in the port; charge port flex worn.",
            (("part", "Charging port flex", 35, 79), ("labour", "Fitting and test", 15, 25)),
        ),
        (
            8,
            "Back glass shattered",
            "Back glass cracked across the camera surround.",
            (("part", "Back glass", 49, 129), ("labour", "Laser removal and fitting", 20, 40)),
        ),
        (
            6,
            "Camera is blurry and will not focus",
            "Rear camera stabiliser faulty.",
            (("part", "Rear camera module", 59, 169), ("labour", "Fitting and test", 15, 25)),
        ),
        (
            6,
            "Dropped in the bath; no power",
            "Liquid damage near the PMIC; corrosion cleaned, battery swollen.",
            (
                ("labour", "Ultrasonic clean and board repair", 59, 99),
                ("part", "Battery", 39, 89),
                ("other", "Data backup", 20, 35),
            ),
            "Liquid indicator tripped",
            "Data recovery is not guaranteed after liquid damage",
        ),
        (
            5,
            "People cannot hear me on calls",
            "Bottom microphone blocked and failed.",
            (("part", "Microphone and speaker assembly", 29, 69), ("labour", "Fitting", 15, 25)),
        ),
        (
            4,
            "Face ID stopped working after a drop",
            "Flood illuminator damaged.",
            (("labour", "Micro-soldering repair", 89, 169),),
        ),
        (
            4,
            "Stuck on the logo and keeps restarting",
            "Boot loop; storage readable, firmware restored.",
            (("labour", "Diagnostics and software restore", 29, 59),),
            "Panic: watchdog timeout",
        ),
        (
            9,
            "Restarts now and then; not sure what is wrong",
            "Intermittent fault traced to a loose battery connector.",
            (("labour", "Diagnostics", 20, 35),),
        ),
    ),
    "tablet": _repairs(
        (
            40,
            "Screen cracked; the child dropped it",
            "Digitiser cracked, LCD intact.",
            (("part", "Glass digitiser", 69, 179), ("labour", "Fitting and test", 25, 45)),
        ),
        (
            25,
            "Battery will not hold a charge",
            "Battery worn out.",
            (("part", "Battery", 59, 99), ("labour", "Fitting and test", 25, 35)),
        ),
        (
            20,
            "Will not charge",
            "Charge port damaged.",
            (("part", "Charging port", 39, 79), ("labour", "Fitting and test", 25, 35)),
        ),
        (
            15,
            "Home button does nothing",
            "Home button flex torn.",
            (("labour", "Diagnostics and repair", 39, 79),),
        ),
    ),
    "laptop": _repairs(
        (
            20,
            "Keyboard has sticky keys after a coffee spill",
            "Liquid under the keyboard; top case needs replacing.",
            (("part", "Keyboard / top case", 99, 299), ("labour", "Fitting and clean", 40, 70)),
            "",
            "Logic board repair if corrosion is found",
        ),
        (
            20,
            "Battery lasts 40 minutes; says Service Recommended",
            "Battery at 62 % of design capacity.",
            (("part", "Battery", 79, 149), ("labour", "Fitting and test", 30, 50)),
        ),
        (
            15,
            "Screen flickers and has lines",
            "Display cable worn at the hinge.",
            (("part", "Display assembly", 199, 449), ("labour", "Fitting", 40, 70)),
        ),
        (
            15,
            "Very slow; fan is loud all the time",
            "Fan clogged, thermal paste dried out; hard drive failing.",
            (
                ("labour", "Fan clean and thermal paste", 39, 59),
                ("part", "SSD upgrade 512 GB", 69, 119),
                ("labour", "Data transfer", 30, 50),
            ),
        ),
        (
            15,
            "Will not turn on",
            "No power: failed charging circuit on the board.",
            (("labour", "Board-level repair", 129, 249),),
            "PPBUS_G3H 0 V",
        ),
        (
            15,
            "Need my photos off a dead laptop",
            "Drive readable after board repair.",
            (("labour", "Data recovery", 99, 299),),
        ),
    ),
    "console": _repairs(
        (
            40,
            "No picture on the TV",
            "HDMI port pins bent; retimer tested fine.",
            (("part", "HDMI port", 39, 69), ("labour", "Micro-soldering", 40, 70)),
        ),
        (
            35,
            "Overheats and shuts down",
            "Dust-clogged heatsink, fan bearing noisy.",
            (("labour", "Strip, clean and repaste", 49, 79),),
        ),
        (
            25,
            "Controller drifts to the left",
            "Left joystick module worn.",
            (("part", "Joystick module", 15, 29), ("labour", "Soldering", 20, 35)),
        ),
    ),
    "watch": _repairs(
        (
            60,
            "Screen smashed",
            "Front glass and OLED cracked.",
            (("part", "Display", 99, 229), ("labour", "Fitting", 25, 45)),
        ),
        (
            40,
            "Battery lasts half a day",
            "Battery worn.",
            (("part", "Battery", 49, 79), ("labour", "Fitting", 20, 30)),
        ),
    ),
}
REPAIRS["other"] = REPAIRS["console"]
# The pricebook's repair type of each generated repair (by its fault): the starter names where
# one fits (pricebook.starter), a few more where none does. Each shop gets the rows it lacks.
REPAIR_TYPE_OF = {
    "Screen cracked after a drop; touch still works": "Screen replacement",
    "Battery drains by lunchtime and shuts down at 20 %": "Battery replacement",
    "Only charges if the cable is held at an angle": "Charging port",
    "Back glass shattered": "Back glass",
    "Camera is blurry and will not focus": "Rear camera",
    "Dropped in the bath; no power": "Water damage diagnostic",
    "People cannot hear me on calls": "Microphone",
    "Face ID stopped working after a drop": "Face ID repair",
    "Stuck on the logo and keeps restarting": "Software restore",
    "Restarts now and then; not sure what is wrong": "Diagnostics",
    "Screen cracked; the child dropped it": "Screen replacement",
    "Battery will not hold a charge": "Battery replacement",
    "Will not charge": "Charging port",
    "Home button does nothing": "Buttons",
    "Keyboard has sticky keys after a coffee spill": "Keyboard",
    "Battery lasts 40 minutes; says Service Recommended": "Battery replacement",
    "Screen flickers and has lines": "Screen replacement",
    "Very slow; fan is loud all the time": "Service and upgrade",
    "Will not turn on": "Board repair",
    "Need my photos off a dead laptop": "Data recovery",
    "No picture on the TV": "HDMI port",
    "Overheats and shuts down": "Clean and repaste",
    "Controller drifts to the left": "Joystick",
    "Screen smashed": "Screen replacement",
    "Battery lasts half a day": "Battery replacement",
}
EXTRA_WORK = [
    ("part", "Replacement battery (found swollen)", 39, 89),
    ("part", "Charging port flex (corroded)", 35, 79),
    ("labour", "Board repair after corrosion found", 59, 129),
    ("part", "Rear camera lens", 25, 45),
]
CANCEL_REASONS = [
    "Customer declined the quote",
    "Customer found the device and no longer needs the repair",
    "Part no longer available",
    "Customer decided to buy a new device",
    "Not economical to repair",
    "Booked in twice by mistake",
]
CONDITIONS = [
    "screen_cracked",
    "screen_scratched",
    "back_cracked",
    "dents",
    "bent",
    "liquid",
    "no_power",
    "buttons",
    "camera_lens",
    "previously_opened",
]
ACCESSORIES = ["charger", "cable", "case", "sim", "sd_card", "stylus", "box", "bag"]
# (value, weight): priorities, passcode kinds
PRIORITIES = [
    (Priority.STANDARD.value, 80),
    (Priority.URGENT.value, 12),
    (Priority.VIP.value, 4),
    (Priority.WARRANTY.value, 4),
]
PASSCODES = [("none", 33), ("pin", 47), ("password", 8), ("pattern", 7), ("refused", 5)]
# Open works orders from the newest to the oldest: what a shop's open work looks like.
OPEN_STAGES = [
    (Status.INTAKE.value, 14),
    (Status.ASSIGNED.value, 14),
    (Status.IN_PROGRESS.value, 22),
    (Status.AWAITING_APPROVAL.value, 8),
    (Status.AWAITING_PARTS.value, 12),
    (Status.QUALITY_CONTROL.value, 10),
    (Status.READY.value, 20),
]
CANCELLED_SHARE = 0.1
# Where a cancelled works order was cancelled from.
CANCEL_STAGES = [
    (Status.INTAKE.value, 40),
    (Status.ASSIGNED.value, 15),
    (Status.IN_PROGRESS.value, 15),
    (Status.AWAITING_APPROVAL.value, 20),
    (Status.AWAITING_PARTS.value, 10),
]
NUMBERING_CYCLE = [
    NumberingScheme.SEQUENTIAL,
    NumberingScheme.BRANCH_PREFIXED,
    NumberingScheme.DATE_BASED,
    NumberingScheme.SEQUENTIAL,
]
PHONE_SPACE = 70_000_000  # +44 771… to +44 777…: 7 × 10⁷ valid UK mobile numbers
PHONE_STEP = 43_262_379  # coprime with PHONE_SPACE, so index → number is a permutation
IMEI_STEP = 618_033  # coprime with 10⁶: serial-number part of the IMEI, per TAC


STEP_TARGET = {
    "assign": Status.ASSIGNED,
    "start": Status.IN_PROGRESS,
    "wait_for_parts": Status.AWAITING_PARTS,
    "ask_for_approval": Status.AWAITING_APPROVAL,
    "resume": Status.IN_PROGRESS,
    "submit_for_qc": Status.QUALITY_CONTROL,
    "pass_qc": Status.READY,
    "fail_qc": Status.IN_PROGRESS,
    "collect": Status.COLLECTED,
    "cancel": Status.CANCELLED,
}


# --- Small helpers --------------------------------------------------------------------------


def luhn_digit(body: str) -> str:
    """The check digit that makes body + digit pass the Luhn test (as IMEIs do)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = ord(char) - 48
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def tac_for(make: str, name: str) -> str:
    """A stable made-up TAC per model (the catalogue lists none it is not sure of)."""
    digest = int.from_bytes(hashlib.blake2b(f"{make} {name}".encode(), digest_size=4).digest())
    return f"35{digest % 1_000_000:06d}"


def pounds(pence: int) -> Decimal:
    return Decimal(pence).scaleb(-2)


# Generated shops keep the model's default currency; texts name it as the app does.
CURRENCY = Shop._meta.get_field("currency").default


def amount_text(pence: int) -> str:
    return format_money(pounds(pence), CURRENCY)


def vat_pence(net: int, rate_bp: int) -> int:
    """VAT on a line, rounded half up to the penny (as tickets.models.money does)."""
    return (net * rate_bp + 5000) // 10000


def allocate(total: int, weights: list[int], minimum: int = 0) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), each at least `minimum`
    when there is enough to go round."""
    base = minimum if total >= minimum * len(weights) else 0
    rest = total - base * len(weights)
    whole = sum(weights)
    shares = [rest * w / whole for w in weights]
    counts = [base + math.floor(s) for s in shares]
    left = total - sum(counts)
    for i in sorted(range(len(weights)), key=lambda i: shares[i] - math.floor(shares[i]))[::-1]:
        if left <= 0:
            break
        counts[i] += 1
        left -= 1
    return counts


class Picker:
    """rng.choices with weights worked out once."""

    def __init__(self, pairs: Iterable[tuple[object, float]]) -> None:
        pairs = list(pairs)
        self.values = [value for value, _ in pairs]
        self.cum = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


PRIORITY = Picker(PRIORITIES)
PASSCODE = Picker(PASSCODES)
CANCEL_STAGE = Picker(CANCEL_STAGES)
REPAIR = {category: Picker((r, r.weight) for r in rows) for category, rows in REPAIRS.items()}


@functools.cache
def signature_png() -> bytes:
    """A signature as the pad sends it (a pen stroke on white), small: one PNG for every
    consent signed on screen."""
    from PIL import Image, ImageDraw

    image = Image.new("1", (180, 60), 1)
    pen = ImageDraw.Draw(image)
    points = [(8 + 7 * i, 38 - int(16 * math.sin(i / 1.7)) + (i % 3) * 2) for i in range(24)]
    pen.line(points, fill=0, width=3)
    pen.line([(20, 50), (160, 47)], fill=0, width=2)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


@functools.cache
def shared_password_hash() -> str:
    """Every generated member signs in with DEMO_PASSWORD; hashing it once saves minutes."""
    return make_password(DEMO_PASSWORD)


# --- COPY -----------------------------------------------------------------------------------


class Table:
    """Rows for one table, written with COPY. Rows are tuples in the order of `produced`;
    columns the model no longer has are dropped, NOT NULL columns the generator does not know
    get the field's Django default."""

    def __init__(self, model: type[models.Model], produced: list[str], key: str) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.key = key  # the column that picks out a batch's rows: id or works_order_id
        self.key_index = produced.index(key)
        self.checks: list[str] = []
        fields = {f.column: f for f in model._meta.concrete_fields}
        present = [c for c in produced if c in fields]
        self.pick = (
            None
            if present == produced
            else operator.itemgetter(*[produced.index(c) for c in present])
        )
        tail_columns, tail = [], []
        for column, model_field in fields.items():
            if column in produced or model_field.primary_key:
                continue  # the primary key is the table's identity unless produced
            if model_field.null or model_field.db_default is not models.NOT_PROVIDED:
                continue  # the database fills it
            tail_columns.append(column)
            tail.append(self._default(model_field))
        self.columns = present + tail_columns
        self.tail = tuple(tail)
        self.rows: list[tuple] = []
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        # Binary COPY: nothing to print and parse (timestamps, numbers); the column types
        # tell psycopg how to send each value.
        self.sql = (
            f"COPY {connection.ops.quote_name(self.name)} ({quoted}) FROM STDIN (FORMAT BINARY)"
        )
        self.types = column_types(self.name, tuple(self.columns))

    def _default(self, model_field: models.Field) -> object:
        if not model_field.has_default() and not model_field.empty_strings_allowed:
            raise RuntimeError(
                f"{self.name}.{model_field.column} is NOT NULL without a default: "
                "tickets/scale.py must be taught what to put there."
            )
        value = model_field.get_default()
        if isinstance(model_field, models.JSONField):
            return json.dumps(value)
        if model_field.unique:
            raise RuntimeError(f"{self.name}.{model_field.column} is unique: generate it.")
        return model_field.get_db_prep_save(value, connection)

    def add(self, row: tuple) -> None:
        self.rows.append(row)

    def flush(self, cursor) -> list:
        """Write the rows; returns their keys (for checking their foreign keys)."""
        rows, self.rows = self.rows, []
        if not rows:
            return []
        pick, tail = self.pick, self.tail
        # wrap_database_errors: a refused row raises Django's IntegrityError, as a save() would.
        with connection.wrap_database_errors, cursor.copy(self.sql) as copy:
            copy.set_types(self.types)
            write = copy.write_row
            if pick is None and not tail:
                for row in rows:
                    write(row)
            elif pick is None:
                for row in rows:
                    write(row + tail)
            else:
                for row in rows:
                    write(pick(row) + tail)
        index = self.key_index
        return [row[index] for row in rows]


@functools.cache
def column_types(table: str, columns: tuple[str, ...]) -> list[int]:
    """The type oid of each column, in order (for a binary COPY)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        types = dict(cursor.fetchall())
    return [types[column] for column in columns]


def _json_as_is(value: object) -> str:
    # Rows carry their JSON already dumped (most are one of a few constant strings).
    return value if isinstance(value, str) else json.dumps(value)


@functools.cache
def foreign_key_checks(table: str, key: str) -> list[str]:
    """One query per foreign key of `table` that checks a batch of new rows (those with `key`
    between two bounds) the way the database's constraint trigger would: every referenced row
    exists, and is locked FOR KEY SHARE until commit so nobody deletes it meanwhile. Each query
    returns how many referenced rows are missing. A key implied by a wider one
    ((shop_id, x) → (shop_id, id) implies x → id) is checked by the wider one only."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
        SELECT con.confrelid::regclass::text,
               array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
                     ORDER BY k.i),
               array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
                     ORDER BY k.i)
        FROM pg_constraint con
        WHERE con.contype = 'f' AND con.conrelid = %s::regclass
        """,
            [table],
        )
        keys = [(parent, tuple(own), tuple(theirs)) for parent, own, theirs in cursor.fetchall()]
    pairs = [(parent, set(zip(own, theirs, strict=True))) for parent, own, theirs in keys]
    wanted = [
        (parent, own, theirs)
        for (parent, own, theirs), (_, pair) in zip(keys, pairs, strict=True)
        if not any(p == parent and pair < other for p, other in pairs)
    ]
    q = connection.ops.quote_name
    queries = []
    for parent, own, theirs in sorted(set(wanted)):
        columns = ", ".join(f"c.{q(o)} AS k{i}" for i, o in enumerate(own))
        present = " AND ".join(f"c.{q(o)} IS NOT NULL" for o in own)
        join = " AND ".join(f"p.{q(t)} = keys.k{i}" for i, t in enumerate(theirs))
        queries.append(
            f"WITH keys AS (SELECT DISTINCT {columns} FROM {q(table)} c "
            f"WHERE c.{q(key)} BETWEEN %s AND %s AND {present}), "
            f"found AS (SELECT 1 FROM {q(parent)} p JOIN keys ON {join} FOR KEY SHARE OF p) "
            "SELECT (SELECT count(*) FROM keys) - (SELECT count(*) FROM found)"
        )
    return queries


@functools.cache
def bulk_checks_possible(tables: tuple[str, ...]) -> bool:
    """May foreign-key triggers be set aside for a batch (and the keys checked by query)? Only
    with the privilege to, and only if no trigger of ours would be skipped with them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_parameter_privilege(current_user, 'session_replication_role', 'SET')"
        )
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(
            # tgtype bit 2: fires on INSERT. Internal triggers are the foreign keys themselves.
            # The audit triggers may sit out too: generated history is no one's change, and
            # millions of "system" entries would only bury the real ones.
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgtype & 4 <> 0 "
            "AND tgname NOT LIKE 'audit\\_%%' AND tgrelid = ANY(%s::regclass[])",
            [list(tables)],
        )
        return cursor.fetchone()[0] == 0


def written_tables() -> tuple[str, ...]:
    """The tables the generator COPYs into."""
    written = (
        Customer,
        Device,
        WorksOrder,
        SlaClock,
        QuoteLine,
        Consent,
        Approval,
        TimeEntry,
        TimelineEntry,
    )
    return tuple(model._meta.db_table for model in written)


def check_mode(keep_triggers: bool = False) -> str:
    """How the foreign keys of generated rows will be checked, in words."""
    tables = tuple(
        model._meta.db_table for model in (Customer, Device, WorksOrder, QuoteLine, TimelineEntry)
    )
    if not keep_triggers and bulk_checks_possible(tables):
        return "foreign keys checked with one query per key and batch"
    return "foreign keys checked row by row by the database's triggers"


class ForeignKeyViolation(Exception):
    """A generated row points at a row that is not there (or not in its shop)."""


class IdPool:
    """Ids reserved from a table's sequence in blocks: rows can point at rows not yet written."""

    def __init__(self, model: type[models.Model], block: int = 5_000) -> None:
        self.table = model._meta.db_table
        self.block = block
        self.sequence = ""
        self.ids: list[int] = []
        self.next = 0

    def take(self, cursor) -> int:
        if self.next >= len(self.ids):
            if not self.sequence:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.table])
                self.sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                [self.sequence, self.block],
            )
            self.ids = [row[0] for row in cursor.fetchall()]
            self.next = 0
        self.next += 1
        return self.ids[self.next - 1]


# --- Shops, branches and staff ---------------------------------------------------------------


@dataclass
class Member:
    id: int
    name: str
    role: str
    skills: tuple[str, ...] = ()


@dataclass
class BranchInfo:
    id: int
    code: str
    name: str
    weight: float = 1.0
    desk: list[Member] = field(default_factory=list)
    technicians: list[Member] = field(default_factory=list)


@dataclass
class ShopContext:
    """What the generator needs to know about one shop, loaded once."""

    shop_id: int
    slug: str
    numbering: str
    vat_bp: int
    terms_id: int
    terms_version: int
    qc_ok_json: str
    qc_items: list[str]
    branches: list[BranchInfo]
    managers: list[Member]
    catalogue: dict[str, list[tuple[int, str, str, str]]]  # category → (id, make, name, TAC)
    phones: set[str] = field(default_factory=set)  # already in use (into an existing shop)
    emails: set[str] = field(default_factory=set)
    imeis: set[str] = field(default_factory=set)
    repair_types: dict[str, int] = field(default_factory=dict)  # fault → RepairType id
    sla_risk_percent: int = 75


@dataclass
class ShopSpec:
    index: int
    name: str
    slug: str
    works_orders: int
    numbering: str
    branches: int


def plan_shops(count: int, works_orders: int, rng: random.Random) -> list[ShopSpec]:
    """Names, slugs, schemes and sizes (skewed: a few chains, many small shops)."""
    taken = set(Shop.objects.values_list("slug", flat=True))
    floor = works_orders // count // 4
    weights = [rng.lognormvariate(0, 0.8) for _ in range(count)]
    sizes = [floor + extra for extra in allocate(works_orders - floor * count, weights)]
    specs = []
    for index, size in enumerate(sizes):
        town = TOWNS[rng.randrange(len(TOWNS))][0]
        name = f"{rng.choice(SHOP_BRANDS)} {town}"
        slug = slugify(name)[:50]
        for n in itertools.count(2):
            if slug not in taken:
                break
            slug = f"{slugify(name)[:50]}-{n}"
        taken.add(slug)
        branches = min(6, max(2, 2 + size // 1500 + rng.randrange(2)))
        numbering = NUMBERING_CYCLE[index % len(NUMBERING_CYCLE)]
        specs.append(ShopSpec(index, name, slug, size, numbering, branches))
    return specs


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(SURNAMES)


def _email_local(first: str, last: str) -> str:
    return slugify(f"{first}.{last}").replace("-", ".")


def _address(rng: random.Random, town: tuple, street: str = "") -> str:
    name, _, area, _ = town
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = f"{area}{rng.randint(1, 20)} {rng.randint(1, 9)}{rng.choice(letters)}"
    postcode += rng.choice(letters)
    return f"{rng.randint(1, 180)} {street or rng.choice(STREETS)}\n{name} {postcode}"


def _new_staff(
    shop: Shop,
    rng: random.Random,
    wanted: list[tuple[str, list[Branch], tuple[str, ...]]],
    used_emails: set[str],
) -> None:
    """Users and memberships for (role, branches, skills), all with the shared password."""
    people = []
    for role, branches, skills in wanted:
        first, last = _person(rng)
        local = _email_local(first, last)
        email = f"{local}@{shop.slug}.example"
        for n in itertools.count(2):
            if email not in used_emails:
                break
            email = f"{local}{n}@{shop.slug}.example"
        used_emails.add(email)
        user = User(email=email, full_name=f"{first} {last}", password=shared_password_hash())
        people.append((user, role, branches, skills))
    User.objects.bulk_create([user for user, *_ in people])
    members = Membership.objects.bulk_create(
        Membership(shop=shop, user=user, role=role, skills=list(skills))
        for user, role, _, skills in people
    )
    MembershipBranch.objects.bulk_create(
        MembershipBranch(shop=shop, membership=member, branch=branch)
        for member, (_, _, branches, _) in zip(members, people, strict=True)
        for branch in branches
    )


def _technician_skills(rng: random.Random) -> tuple[str, ...]:
    skills = {Skill.PHONES} if rng.random() < 0.85 else set()
    extras = [s for s in Skill if s != Skill.PHONES]
    skills |= set(rng.sample(extras, rng.randint(1, 3)))
    return tuple(sorted(skills))


def _staff_for_branch(
    rng: random.Random, branch: Branch, branches: list[Branch], desks: int, technicians: int
) -> list:
    wanted = [(Role.FRONT_DESK, [branch], ()) for _ in range(desks)]
    for _ in range(technicians):
        # Now and then a technician covers a second branch.
        covers = [branch]
        if len(branches) > 1 and rng.random() < 0.15:
            covers.append(rng.choice([b for b in branches if b.pk != branch.pk]))
        wanted.append((Role.TECHNICIAN, covers, _technician_skills(rng)))
    return wanted


def create_shop(spec: ShopSpec, seed: int) -> Shop:
    """A shop with branches, staff and the starter catalogue, through the shops services."""
    from shops import services
    from shops.demo import TERMS

    rng = random.Random(f"{seed}:shop:{spec.index}")
    first, last = _person(rng)
    owner = User.objects.create(
        email=f"{_email_local(first, last)}@{spec.slug}.example",
        full_name=f"{first} {last}",
        password=shared_password_hash(),
    )
    shop = services.shop_create(
        name=spec.name,
        slug=spec.slug,
        owner=owner,
        numbering=spec.numbering,
        wording=rng.choice([Wording.WORKS_ORDER] * 6 + [Wording.WORK_ORDER, Wording.TICKET]),
        vat_number=f"GB {rng.randint(100, 999)} {rng.randint(1000, 9999)} {rng.randint(10, 99)}",
        terms_text=TERMS,
    )
    branches = []
    for town in rng.sample(TOWNS, spec.branches):
        street = rng.choice(STREETS)
        branch = Branch(
            shop=shop,
            code=town[1],
            name=f"{town[0]} {street}",
            address=_address(rng, town, street),
            phone=f"{town[3]}{rng.randint(0, 999):03d}",
        )
        branches.append(branch)
    # As services.branch_create, in two queries: its full_clean lists every time zone on disk
    # (35 ms a branch), and these branches are valid by construction.
    Branch.objects.bulk_create(branches)
    OpeningHours.objects.bulk_create(
        OpeningHours(shop=shop, branch=branch, weekday=day, opens=opens, closes=closes)
        for branch in branches
        for day, (opens, closes) in sorted(services.DEFAULT_HOURS.items())
    )
    size = max(1, spec.works_orders // len(branches))
    wanted = [(Role.MANAGER, branches, ()) for _ in range(max(1, len(branches) // 2))]
    for branch in branches:
        desks = 1 + (size > 1500) + (rng.random() < 0.3)
        technicians = min(6, 2 + size // 1200 + rng.randrange(2))
        wanted += _staff_for_branch(rng, branch, branches, desks, technicians)
    owner_member = Membership.objects.for_shop(shop).get(user=owner)
    MembershipBranch.objects.bulk_create(
        MembershipBranch(shop=shop, membership=owner_member, branch=b) for b in branches
    )
    _new_staff(shop, rng, wanted, used_emails={owner.email})
    return shop


def ensure_branch_staffed(shop: Shop, code: str, rng: random.Random) -> Branch:
    """The branch with this code (created if missing), with front desk and technicians."""
    from shops import services

    branch = Branch.objects.for_shop(shop).filter(code=code).first()
    if branch is None:
        town = next((t for t in TOWNS if t[1] == code), None)
        branch = Branch(
            shop=shop,
            code=code,
            name=f"{town[0]} {rng.choice(STREETS)}" if town else f"{code.title()} branch",
            address=_address(rng, town or TOWNS[0]),
            phone=f"{(town or TOWNS[0])[3]}{rng.randint(0, 999):03d}",
        )
        services.branch_create(branch=branch)
    roles = Counter(
        MembershipBranch.objects.for_shop(shop)
        .filter(branch=branch, membership__is_active=True)
        .values_list("membership__role", flat=True)
    )
    branches = list(Branch.objects.for_shop(shop))
    wanted = _staff_for_branch(
        rng,
        branch,
        branches,
        desks=max(0, 1 - roles[Role.FRONT_DESK]),
        technicians=max(0, 3 - roles[Role.TECHNICIAN]),
    )
    if wanted:
        used = set(
            User.objects.filter(email__endswith=f"@{shop.slug}.example").values_list(
                "email", flat=True
            )
        )
        _new_staff(shop, rng, wanted, used)
    return branch


def load_context(shop: Shop, *, existing: bool, only_branch: str | None = None) -> ShopContext:
    """Everything the generator needs about `shop`. `existing`: the shop already has customers
    and devices, whose phones, emails and IMEIs must not be handed out again."""
    from devices.catalogue import catalogue_seed

    if not DeviceModel.objects.for_shop(shop).exists():
        catalogue_seed(shop=shop)
    branches = {
        b.pk: BranchInfo(b.pk, b.code, b.name)
        for b in Branch.objects.for_shop(shop).filter(is_active=True).order_by("id")
    }
    managers = []
    links = (
        MembershipBranch.objects.for_shop(shop)
        .filter(membership__is_active=True)
        .values_list("membership_id", "branch_id")
    )
    branches_of = defaultdict(list)
    for member_id, branch_id in links:
        branches_of[member_id].append(branch_id)
    for member in Membership.objects.for_shop(shop).filter(is_active=True).select_related("user"):
        info = Member(member.pk, member.user.full_name, member.role, tuple(member.skills))
        if member.role in (Role.OWNER, Role.MANAGER):
            managers.append(info)
        for branch_id in branches_of[member.pk]:
            if branch_id not in branches:
                continue
            if member.role == Role.FRONT_DESK:
                branches[branch_id].desk.append(info)
            elif member.role == Role.TECHNICIAN:
                branches[branch_id].technicians.append(info)
    if only_branch:
        branches = {k: b for k, b in branches.items() if b.code == only_branch}
    staffed = [b for b in branches.values() if b.technicians]
    if not staffed or not managers:
        raise ValueError(f"{shop.slug} has no branch with technicians, or no manager.")
    # The first branches are the busiest (the flagship store).
    for position, branch in enumerate(staffed):
        branch.weight = 1 / (1 + 0.35 * position)
        branch.desk = branch.desk or managers
    catalogue = defaultdict(list)
    for pk, category, make, name, tacs in DeviceModel.objects.for_shop(shop).values_list(
        "id", "category", "make", "name", "tacs"
    ):
        catalogue[category].append((pk, make, name, tacs[0] if tacs else tac_for(make, name)))
    terms = TermsVersion.objects.for_shop(shop).get(version=shop.terms_version)
    # The repair types the generated repairs are sold as: the shop's own (any case), else new.
    have = {
        name.casefold(): pk
        for pk, name in RepairType.objects.for_shop(shop).values_list("id", "name")
    }
    wanted = list(dict.fromkeys(REPAIR_TYPE_OF.values()))
    missing = [name for name in wanted if name.casefold() not in have]
    if missing:
        start = 1 + max([0, *RepairType.objects.for_shop(shop).values_list("position", flat=True)])
        for position, created in enumerate(
            RepairType.objects.bulk_create(
                RepairType(shop=shop, name=name, position=start + i)
                for i, name in enumerate(missing)
            )
        ):
            have[missing[position].casefold()] = created.pk
    qc_items = list(getattr(shop, "qc_checklist", []) or [])
    context = ShopContext(
        shop_id=shop.pk,
        slug=shop.slug,
        numbering=shop.numbering,
        vat_bp=int(shop.vat_rate * 100),
        terms_id=terms.pk,
        terms_version=terms.version,
        qc_ok_json=json.dumps({item: {"ok": True, "note": ""} for item in qc_items}),
        qc_items=qc_items,
        branches=staffed,
        managers=managers,
        catalogue=dict(catalogue),
        repair_types={fault: have[name.casefold()] for fault, name in REPAIR_TYPE_OF.items()},
        sla_risk_percent=shop.sla_risk_percent,
    )
    if existing:
        customers = Customer.objects.for_shop(shop)
        context.phones = set(customers.exclude(phone="").values_list("phone", flat=True))
        context.emails = set(customers.exclude(email="").values_list("email", flat=True))
        devices = Device.objects.for_shop(shop).exclude(imei="")
        context.imeis = set(devices.values_list("imei", flat=True))
    return context


# --- Works orders ---------------------------------------------------------------------------


@dataclass
class Progress:
    """Rows written so far, per table; `report` is called after every chunk."""

    rows: Counter = field(default_factory=Counter)
    works_orders: int = 0
    report: Callable[[Progress, dict], None] | None = None

    def add(self, written: dict[str, int], works_orders: int) -> None:
        self.rows.update(written)
        self.works_orders += works_orders
        if self.report is not None:
            self.report(self, written)


WO_COLUMNS = [
    "id",
    "shop_id",
    "number",
    "status_token_hash",
    "branch_id",
    "customer_id",
    "device_id",
    "status",
    "priority",
    "assigned_to_id",
    "condition",
    "condition_notes",
    "accessories",
    "accessories_other",
    "passcode_kind",
    "passcode_secret",
    "fault_reported",
    "diagnosis",
    "diagnostic_codes",
    "scope_agreed",
    "scope_excluded",
    "estimated_completion",
    "estimated_minutes",
    "created_by_id",
    "created_at",
    "cancelled_at",
    "cancel_reason",
    # the lifecycle
    "agreed_gross",
    "final_price",
    "repaired_by_id",
    "qc_results",
    "qc_signed_by_id",
    "qc_failures",
    "collected_by_name",
    "assigned_at",
    "started_at",
    "ready_at",
    "collected_at",
    # the pricebook and the SLA
    "repair_type_id",
    "sla_due_at",
    "sla_risk_at",
    "sla_paused_at",
    "status_since",
]
# The sweep's queue: a row for each open job whose clock runs (see tickets.models.SlaClock).
CLOCK_COLUMNS = [
    "works_order_id",
    "shop_id",
    "branch_id",
    "due_at",
    "risk_at",
    "paused_at",
    "next_at",
]
CUSTOMER_COLUMNS = [
    "id",
    "shop_id",
    "full_name",
    "phone",
    "email",
    "preferred_contact",
    "customer_type",
    "company_name",
    "address",
    "marketing_consent",
    "created_at",
]
DEVICE_COLUMNS = [
    "id",
    "shop_id",
    "customer_id",
    "device_model_id",
    "category",
    "make",
    "model_name",
    "colour",
    "storage",
    "imei",
    "serial",
    "created_at",
]
LINE_COLUMNS = [
    "id",
    "shop_id",
    "works_order_id",
    "position",
    "kind",
    "description",
    "quantity",
    "unit_price",
    "vat_rate",
]
CONSENT_COLUMNS = [
    "shop_id",
    "works_order_id",
    "method",
    "signed_name",
    "signature_png",
    "recorded_by_id",
    "recorded_at",
    "quote_net",
    "quote_gross",
    "terms_id",
]
TIMELINE_COLUMNS = [
    "shop_id",
    "works_order_id",
    "event",
    "actor_id",
    "at",
    "text",
    "note_kind",
    "data",
    "from_status",
    "time_in_from_status",
]
TIME_COLUMNS = ["shop_id", "works_order_id", "technician_id", "started_at", "ended_at", "note"]
APPROVAL_COLUMNS = [
    "shop_id",
    "works_order_id",
    "previous_gross",
    "new_gross",
    "reason",
    "requested_by_id",
    "requested_at",
    "approved",
    "method",
    "decided_by_id",
    "decided_at",
    "line_ids",
]
ONE = Decimal("1.00")
SERIAL_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
BUSINESS_HOURS = {d: (9 * 3600, 17 * 3600 + 1800) for d in range(5)} | {5: (10 * 3600, 16 * 3600)}

# --- SLA times, approximately ---------------------------------------------------------------
#
# The app counts a target in its branch's own business calendar (tickets/sla.py: opening hours,
# closed dates, bank holidays). Generated history only needs times that look like it, fast and
# the same in Python (new rows) and SQL (sla_backfill, for data generated before the columns),
# so: London time, every branch open as BUSINESS_HOURS says, no holidays or closed dates:
# - standard: 5 business days later at the same time, a business day any day but Sunday;
#   warranty (a due time set per job): 10 business days the same way;
# - urgent: the end of the next business day (17:30, 16:00 on a Saturday);
# - VIP: 4 opening hours, what is left of them at closing time carried into the next opening;
# - at risk: the shop's sla_risk_percent of the time to the due time (wall-clock, not business
#   time), never paused: waits for the customer's approval are not given back. The clock stops
#   for good at ready (sla_paused_at = ready_at) or cancelled (cancelled_at), and for a job
#   still waiting for approval when it was asked; waiting for parts counts (the default).
# - the sweep's next threshold (SlaClock): the at-risk time of every open job whose clock runs,
#   past or not: no crossing is generated, so the first sweep records those already passed
#   (every shop has some).
SLA_BUSINESS_DAYS = {Priority.STANDARD.value: 5, Priority.WARRANTY.value: 10}
SLA_VIP_SECONDS = 4 * 3600
SLA_URGENT_CLOSE = {5: 16 * 3600}  # weekday → closing second; 17:30 on the others
RUNNING_STATUSES = (
    Status.INTAKE.value,
    Status.ASSIGNED.value,
    Status.IN_PROGRESS.value,
    Status.AWAITING_PARTS.value,
    Status.QUALITY_CONTROL.value,
)


def _next_business_day(day: datetime.date) -> datetime.date:
    day += datetime.timedelta(days=1)
    return day + datetime.timedelta(days=1) if day.weekday() == 6 else day


def sla_due_local(priority: str, local: datetime.datetime) -> datetime.datetime:
    """The due time, in London wall time (naive), of a job booked in at `local` (naive)."""
    day = local.date()
    business_days = SLA_BUSINESS_DAYS.get(priority)
    if business_days:
        # Mon…Sat are business days: from weekday w (Sunday counting as -1), n of them are
        # n calendar days plus one for each Sunday crossed.
        w = local.isoweekday() % 7 - 1
        return local + datetime.timedelta(days=business_days + (w + business_days) // 6)
    if priority == Priority.URGENT:
        following = _next_business_day(day)
        close = SLA_URGENT_CLOSE.get(following.weekday(), 17 * 3600 + 1800)
        return datetime.datetime.combine(following, datetime.time()) + datetime.timedelta(
            seconds=close
        )
    midnight = datetime.datetime.combine(day, datetime.time())
    hours = BUSINESS_HOURS.get(local.weekday())
    remaining = SLA_VIP_SECONDS
    if hours:
        start = max((local - midnight).total_seconds(), hours[0])
        if hours[1] - start >= remaining:
            return midnight + datetime.timedelta(seconds=start + remaining)
        remaining -= max(hours[1] - start, 0)
    following = _next_business_day(day)
    opens = BUSINESS_HOURS[following.weekday()][0]
    return datetime.datetime.combine(following, datetime.time()) + datetime.timedelta(
        seconds=opens + remaining
    )


def sla_times(
    priority: str, created: datetime.datetime, risk_percent: int
) -> tuple[datetime.datetime, datetime.datetime]:
    """(due, at risk from), UTC, for a job booked in at `created`."""
    local = created.astimezone(LONDON).replace(tzinfo=None)
    due = sla_due_local(priority, local).replace(tzinfo=LONDON).astimezone(UTC)
    return due, created + (due - created) * risk_percent // 100


# The same in SQL, for works orders generated before the columns were (see sla_backfill).
_SLA_DUE_SQL = """
CASE
WHEN t.priority IN ('standard', 'warranty') THEN
    t.l + make_interval(days => h.n + ((extract(isodow FROM t.l)::int %% 7) - 1 + h.n) / 6)
WHEN t.priority = 'urgent' THEN
    h.following + make_interval(
        secs => CASE WHEN extract(isodow FROM h.following) = 6 THEN 57600 ELSE 63000 END)
WHEN h.opens IS NOT NULL AND h.closes - GREATEST(h.second, h.opens) >= 14400 THEN
    t.l::date + make_interval(secs => GREATEST(h.second, h.opens) + 14400)
ELSE
    h.following + make_interval(
        secs => CASE WHEN extract(isodow FROM h.following) = 6 THEN 36000 ELSE 32400 END
                + 14400 - COALESCE(GREATEST(h.closes - GREATEST(h.second, h.opens), 0), 0))
END"""

SLA_BACKFILL_SQL = f"""
WITH kinds AS (
    SELECT r.shop_id, f.fault, r.id AS repair_type_id
    FROM unnest(%(faults)s::text[], %(names)s::text[]) AS f(fault, name)
    JOIN pricebook_repairtype r ON lower(r.name) = lower(f.name)
), timed AS (
    SELECT w.id, w.created_at, w.priority, k.repair_type_id, s.sla_risk_percent,
           w.sla_due_at IS NULL AS new_sla,
           (w.created_at AT TIME ZONE 'Europe/London') AS l
    FROM tickets_worksorder w
    JOIN shops_shop s ON s.id = w.shop_id
    LEFT JOIN kinds k ON k.shop_id = w.shop_id AND k.fault = w.fault_reported
    WHERE (w.sla_due_at IS NULL OR (w.repair_type_id IS NULL AND k.repair_type_id IS NOT NULL))
      AND (%(shop)s::bigint IS NULL OR w.shop_id = %(shop)s::bigint)
), due_only AS (
    SELECT t.id, t.created_at, t.repair_type_id, t.sla_risk_percent, t.new_sla,
           ({_SLA_DUE_SQL}) AT TIME ZONE 'Europe/London' AS due_at
    FROM timed t
    CROSS JOIN LATERAL (
        SELECT CASE t.priority WHEN 'warranty' THEN 10 ELSE 5 END AS n,
               extract(epoch FROM t.l::time) AS second,
               CASE extract(isodow FROM t.l) WHEN 7 THEN NULL WHEN 6 THEN 36000 ELSE 32400 END
                   AS opens,
               CASE extract(isodow FROM t.l) WHEN 7 THEN NULL WHEN 6 THEN 57600 ELSE 63000 END
                   AS closes,
               t.l::date + CASE WHEN extract(isodow FROM t.l::date + 1) = 7 THEN 2 ELSE 1 END
                   AS following
    ) h
), due AS (
    SELECT d.*, d.created_at + make_interval(
               secs => floor(extract(epoch FROM d.due_at - d.created_at) * 1000000
                             * d.sla_risk_percent / 100) / 1000000) AS risk_at
    FROM due_only d
), filled AS (
UPDATE tickets_worksorder w SET
    repair_type_id = COALESCE(w.repair_type_id, d.repair_type_id),
    sla_due_at = COALESCE(w.sla_due_at, d.due_at),
    sla_risk_at = CASE WHEN w.sla_due_at IS NOT NULL THEN w.sla_risk_at ELSE d.risk_at END,
    sla_paused_at = CASE WHEN w.sla_due_at IS NOT NULL THEN w.sla_paused_at
        WHEN w.status IN ('ready', 'collected') THEN w.ready_at
        WHEN w.status = 'cancelled' THEN w.cancelled_at
        WHEN w.status = 'awaiting_approval' THEN (
            SELECT max(a.requested_at) FROM tickets_approval a
            WHERE a.shop_id = w.shop_id AND a.works_order_id = w.id AND a.decided_at IS NULL)
        END
FROM due d
WHERE d.id = w.id
RETURNING w.id, w.shop_id, w.branch_id, w.status, w.sla_due_at, w.sla_risk_at, d.new_sla
), clocked AS (
    INSERT INTO tickets_slaclock
           (works_order_id, shop_id, branch_id, due_at, risk_at, paused_at, next_at)
    SELECT id, shop_id, branch_id, sla_due_at, sla_risk_at, NULL, sla_risk_at
      FROM filled
     WHERE new_sla AND status = ANY(%(running)s::text[])
        ON CONFLICT DO NOTHING
)
SELECT count(*) FROM filled
"""

REPAIR_TYPES_SQL = """
INSERT INTO pricebook_repairtype (shop_id, name, position, is_active)
SELECT s.id, t.name, 100 + t.n, true
FROM shops_shop s CROSS JOIN unnest(%(names)s::text[]) WITH ORDINALITY AS t(name, n)
WHERE %(shop)s::bigint IS NULL OR s.id = %(shop)s::bigint
ON CONFLICT DO NOTHING
"""


def sla_backfill(*, shop_id: int | None = None) -> int:
    """Repair types and SLA times, as the generator now writes them, for works orders written
    before it did (every shop, or one): set-based, only rows without a due time or a repair
    type, so a rerun changes nothing; SLA times already there (tickets migration 0014 promises
    the open jobs) are kept. Returns the works orders filled in."""
    names = list(dict.fromkeys(REPAIR_TYPE_OF.values()))
    with connection.cursor() as cursor:
        cursor.execute(REPAIR_TYPES_SQL, {"names": names, "shop": shop_id})
        cursor.execute(
            SLA_BACKFILL_SQL,
            {
                "faults": list(REPAIR_TYPE_OF),
                "names": list(REPAIR_TYPE_OF.values()),
                "shop": shop_id,
                "running": list(RUNNING_STATUSES),
            },
        )
        return cursor.fetchone()[0]


@dataclass
class CustomerInfo:
    id: int
    name: str
    devices: list  # (id, category)


class Filler:
    """Writes `n` works orders (and their customers, devices, quotes, consents, bench time and
    timelines) into one shop, in chunks that are each one transaction."""

    def __init__(
        self,
        context: ShopContext,
        rng: random.Random,
        progress: Progress,
        *,
        keep_triggers: bool = False,
    ) -> None:
        self.c = context
        self.rng = rng
        self.progress = progress
        self.now = timezone.now()
        self.customers: list[CustomerInfo] = []
        self.phone_index = 0
        self.phone_offset = rng.randrange(PHONE_SPACE)
        self.tac_counter: dict[str, list[int]] = {}
        self.data_json: dict[tuple, str] = {}
        self.offsets: dict[int, datetime.timedelta] = {}
        self.overdue_given = False  # see works_order: one open job past its at-risk time
        self.branch_pick = Picker((b, b.weight) for b in context.branches)
        self.category_pick = Picker(
            (c, w) for c, w in CATEGORY_WEIGHTS.items() if context.catalogue.get(c)
        )
        by_works_order = "works_order_id"
        self.tables = {
            "customers": Table(Customer, CUSTOMER_COLUMNS, "id"),
            "devices": Table(Device, DEVICE_COLUMNS, "id"),
            "works_orders": Table(WorksOrder, WO_COLUMNS, "id"),
            "sla_clocks": Table(SlaClock, CLOCK_COLUMNS, "works_order_id"),
            "quote_lines": Table(QuoteLine, LINE_COLUMNS, by_works_order),
            "consents": Table(Consent, CONSENT_COLUMNS, by_works_order),
            "timeline": Table(TimelineEntry, TIMELINE_COLUMNS, by_works_order),
            "time_entries": Table(TimeEntry, TIME_COLUMNS, by_works_order),
            "approvals": Table(Approval, APPROVAL_COLUMNS, by_works_order),
        }
        self.pools = {
            "customers": IdPool(Customer),
            "devices": IdPool(Device),
            "works_orders": IdPool(WorksOrder),
            "quote_lines": IdPool(QuoteLine),
        }
        # Flush order: what is pointed at before what points at it.
        self.order = [
            "customers",
            "devices",
            "works_orders",
            "sla_clocks",
            "quote_lines",
            "consents",
            "approvals",
            "time_entries",
            "timeline",
        ]
        self.bulk_checks = not keep_triggers and bulk_checks_possible(written_tables())
        if self.bulk_checks:
            for table in self.tables.values():
                table.checks = foreign_key_checks(table.name, table.key)

    # The schedule ---------------------------------------------------------------------------

    def slots(self, n: int, span_days: int) -> list[tuple[int, int]]:
        """(day, second of the local day) for n bookings, oldest first, in opening hours: more
        on Saturdays, none on Sundays, the business growing over the period."""
        rng = self.rng
        today = timezone.localdate(self.now, timezone=LONDON)
        self.first_day = today - datetime.timedelta(days=span_days)
        now_second = int(
            (
                self.now.astimezone(LONDON)
                - datetime.datetime.combine(today, datetime.time(), LONDON)
            ).total_seconds()
        )
        weights = []
        for d in range(span_days + 1):
            day = self.first_day + datetime.timedelta(days=d)
            hours = BUSINESS_HOURS.get(day.weekday())
            if hours is None or (d == span_days and now_second <= hours[0] + 600):
                weights.append(0.0)
                continue
            weights.append((1.2 if day.weekday() == 5 else 1.0) * (0.7 + 0.6 * d / span_days))
        if not any(weights):
            weights[-2] = 1.0
        days = rng.choices(
            range(span_days + 1), cum_weights=list(itertools.accumulate(weights)), k=n
        )
        slots = []
        for d in days:
            opens, closes = BUSINESS_HOURS[(self.first_day + datetime.timedelta(days=d)).weekday()]
            if d == span_days:
                closes = min(closes, now_second - 300)
            slots.append((d, rng.randrange(opens, closes)))
        slots.sort()
        # The UTC instant of each local day's midnight, taken at noon so DST days come out right.
        self.anchors = {}
        for d in set(days):
            day = self.first_day + datetime.timedelta(days=d)
            offset = datetime.datetime.combine(day, datetime.time(12), LONDON).utcoffset()
            self.anchors[d] = datetime.datetime.combine(day, datetime.time(), UTC) - offset
        return slots

    def statuses(self, n: int, n_open: int) -> list[str]:
        """Final status per slot (oldest first): the newest n_open are open, the newest of those
        still at intake and the oldest waiting for collection; the rest closed."""
        rng = self.rng
        counts = allocate(n_open, [w for _, w in OPEN_STAGES], minimum=1)
        newest_first = [s for (s, _), k in zip(OPEN_STAGES, counts, strict=True) for _ in range(k)]
        # A little disorder: a job may overtake another by a place or two.
        for i in range(len(newest_first) - 1):
            if rng.random() < 0.2:
                newest_first[i], newest_first[i + 1] = newest_first[i + 1], newest_first[i]
        closed = [
            Status.CANCELLED.value if rng.random() < CANCELLED_SHARE else Status.COLLECTED.value
            for _ in range(n - n_open)
        ]
        if n - n_open >= 10 and Status.CANCELLED.value not in closed:
            closed[rng.randrange(len(closed))] = Status.CANCELLED.value
        return closed + newest_first[::-1]

    # Running ------------------------------------------------------------------------------

    def run(self, n: int, *, span_days: int = TWO_YEARS, n_open: int | None = None) -> None:
        if n <= 0:
            return
        if n_open is None:
            per_day = n / max(span_days, 1)
            n_open = round(per_day * 6.5)
            if n >= 20:
                n_open = max(n_open, len(OPEN_STAGES))
            n_open = min(n_open, int(n * 0.35))
        n_open = min(n_open, n)
        # Reserve ids in blocks the size of what this shop will use, not more.
        for name, pool in self.pools.items():
            pool.block = min(CHUNK * (3 if name == "quote_lines" else 1), n * 3 + 10)
        slots = self.slots(n, span_days)
        statuses = self.statuses(n, n_open)
        for start in range(0, n, CHUNK):
            chunk = list(
                zip(slots[start : start + CHUNK], statuses[start : start + CHUNK], strict=True)
            )
            with transaction.atomic(), connection.cursor() as cursor:
                set_json_dumps(_json_as_is, cursor.cursor)
                cursor.execute("SET LOCAL synchronous_commit TO off")
                numbers = self.numbers(cursor, [slot for slot, _ in chunk])
                for ((day, second), status), number in zip(chunk, numbers, strict=True):
                    self.works_order(cursor, day, second, status, number)
                written = self.write(cursor)
            self.progress.add(written, len(chunk))

    def write(self, cursor) -> dict[str, int]:
        """COPY the chunk's rows. With bulk checks, the foreign-key triggers sit out the COPY
        (as pg_restore --disable-triggers does) and every key of the new rows is then checked
        with one query per foreign key, locking what it points at as the triggers would; a
        single miss rolls the chunk back. Without, the database's triggers check each row."""
        if self.bulk_checks:
            cursor.execute("SET LOCAL session_replication_role TO replica")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a bad row fails its own COPY
        written = {}
        for name in self.order:
            table = self.tables.get(name)
            if table is not None:
                written[table.name] = (table, table.flush(cursor))
        # (A failed COPY rolls the chunk back, and the SET LOCAL with it.)
        if self.bulk_checks:
            cursor.execute("SET LOCAL session_replication_role TO origin")
            for table, keys in written.values():
                if not keys:
                    continue
                bounds = [min(keys), max(keys)]
                for query in table.checks:
                    cursor.execute(query, bounds)
                    missing = cursor.fetchone()[0]
                    if missing:
                        raise ForeignKeyViolation(
                            f"{missing} row(s) of {table.name} point at rows that are not "
                            f"there or belong to another shop: {query}"
                        )
        names = {table.name: name for name, table in self.tables.items()}
        return {names[t]: len(keys) for t, (_, keys) in written.items()}

    def numbers(self, cursor, slots: list[tuple[int, int]]) -> list[str]:
        """Numbers for these bookings (oldest first), taken from the shop's counters in one
        upsert, as works_order_book_in takes them one at a time."""
        c = self.c
        branches = [self.branch_pick(self.rng) for _ in slots]
        series = []
        for (d, _), branch in zip(slots, branches, strict=True):
            day = self.first_day + datetime.timedelta(days=d)
            if c.numbering == NumberingScheme.DATE_BASED:
                series.append(f"{day:%y%m-%d}")
            elif c.numbering == NumberingScheme.BRANCH_PREFIXED:
                series.append(f"{branch.code}-{day:%y%m}")
            else:
                series.append("WO")
        wanted = Counter(series)
        cursor.execute(
            """
            INSERT INTO tickets_numbercounter (shop_id, series, last)
            SELECT %s, s, n FROM unnest(%s::text[], %s::int[]) AS t(s, n)
            ON CONFLICT (shop_id, series)
            DO UPDATE SET last = tickets_numbercounter.last + EXCLUDED.last
            RETURNING series, last
            """,
            [c.shop_id, list(wanted), list(wanted.values())],
        )
        following = {s: last - wanted[s] for s, last in cursor.fetchall()}
        numbers = []
        for s in series:
            following[s] += 1
            n = following[s]
            if c.numbering == NumberingScheme.DATE_BASED:
                numbers.append(f"{s}-{n:03d}")
            elif c.numbering == NumberingScheme.BRANCH_PREFIXED:
                numbers.append(f"{s}-{n:04d}")
            else:
                numbers.append(f"WO-{n:06d}")
        self.chunk_branch_iter = iter(branches)
        return numbers

    # One works order ------------------------------------------------------------------------

    def phone(self) -> str:
        while True:
            d = (self.phone_index * PHONE_STEP + self.phone_offset) % PHONE_SPACE
            self.phone_index += 1
            number = f"+4477{1 + d // 10_000_000}{d % 10_000_000:07d}"
            if number not in self.c.phones:
                self.c.phones.add(number)
                return number

    def imei(self, tac: str) -> str:
        counter = self.tac_counter.get(tac)
        if counter is None:
            counter = self.tac_counter[tac] = [0, self.rng.randrange(1_000_000)]
        while True:
            serial = (counter[0] * IMEI_STEP + counter[1]) % 1_000_000
            counter[0] += 1
            body = f"{tac}{serial:06d}"
            imei = body + luhn_digit(body)
            if imei not in self.c.imeis:
                self.c.imeis.add(imei)
                return imei

    def new_customer(self, cursor, created: datetime.datetime) -> CustomerInfo:
        rng, c = self.rng, self.c
        first, last = _person(rng)
        name = f"{first} {last}"
        email = ""
        if rng.random() < 0.75:
            local = rng.choice(
                [
                    _email_local(first, last),
                    f"{first[0]}{last}".lower().replace("'", ""),
                    f"{first}{last}{rng.randint(1, 99)}".lower().replace("'", ""),
                ]
            )
            domain = rng.choice(EMAIL_DOMAINS)
            email = f"{local}@{domain}"
            n = 2
            while email in c.emails:
                email = f"{local}{n}@{domain}"
                n += 1
            c.emails.add(email)
        kind_roll = rng.random()
        customer_type, company = "walk_in", ""
        if kind_roll < 0.06:
            customer_type, company = "business", f"{last} {rng.choice(COMPANIES)}"
        elif kind_roll < 0.09:
            customer_type = "warranty"
        contact_roll = rng.random()
        contact = (
            "email" if email and contact_roll < 0.2 else ("phone" if contact_roll > 0.9 else "sms")
        )
        address = _address(rng, rng.choice(TOWNS)) if rng.random() < 0.1 else ""
        customer_id = self.pools["customers"].take(cursor)
        self.tables["customers"].add(
            (
                customer_id,
                c.shop_id,
                name,
                self.phone(),
                email,
                contact,
                customer_type,
                company,
                address,
                rng.random() < 0.3,
                created - datetime.timedelta(minutes=rng.randint(1, 5)),
            )
        )
        info = CustomerInfo(customer_id, name, [])
        self.customers.append(info)
        return info

    def new_device(self, cursor, customer: CustomerInfo, created: datetime.datetime) -> tuple:
        rng, c = self.rng, self.c
        category = self.category_pick(rng)
        model_id, make, name, tac = rng.choice(c.catalogue[category])
        imei = serial = ""
        if rng.random() < IMEI_SHARE.get(category, 0):
            imei = self.imei(tac)
        else:
            serial = "".join(rng.choices(SERIAL_CHARS, k=12 if make == "Apple" else 10))
        device_id = self.pools["devices"].take(cursor)
        self.tables["devices"].add(
            (
                device_id,
                c.shop_id,
                customer.id,
                model_id,
                category,
                make,
                name,
                rng.choice(COLOURS[category]),
                rng.choice(STORAGE[category]),
                imei,
                serial,
                created - datetime.timedelta(minutes=1),
            )
        )
        device = (device_id, category)
        customer.devices.append(device)
        return device

    def london_offset(self, day: int) -> datetime.timedelta:
        """London's UTC offset on a UTC day (days since 1970), as at noon: right for every time
        the branches are open, DST change days included (clocks change at 01:00 UTC)."""
        offset = self.offsets.get(day)
        if offset is None:
            noon = datetime.datetime.fromtimestamp(day * 86400 + 43200, UTC)
            offset = self.offsets[day] = noon.astimezone(LONDON).utcoffset()
        return offset

    def open_at(self, when: datetime.datetime) -> datetime.datetime:
        """`when` if the branch is open then, else a few minutes after it next opens (UTC)."""
        local = when + self.london_offset(int(when.timestamp()) // 86400)
        hours = BUSINESS_HOURS.get(local.weekday())
        second = local.hour * 3600 + local.minute * 60 + local.second
        if hours and hours[0] <= second < hours[1]:
            return when
        day = local.date()
        if not hours or second >= hours[1]:
            day += datetime.timedelta(days=1)
        while day.weekday() not in BUSINESS_HOURS:
            day += datetime.timedelta(days=1)
        midnight = datetime.datetime.combine(day, datetime.time(), UTC)
        opens = BUSINESS_HOURS[day.weekday()][0] + self.rng.randrange(60, 1800)
        offset = self.london_offset(int(midnight.timestamp()) // 86400)
        return midnight - offset + datetime.timedelta(seconds=opens)

    def step_data(self, step: str, source: str, target: str) -> str:
        key = (step, source, target)
        found = self.data_json.get(key)
        if found is None:
            found = self.data_json[key] = json.dumps(
                {"step": step, "source": source, "target": target}
            )
        return found

    def works_order(self, cursor, day: int, second: int, status: str, number: str) -> None:
        rng, c = self.rng, self.c
        branch = next(self.chunk_branch_iter)
        created = self.anchors[day] + datetime.timedelta(
            seconds=second, microseconds=rng.randrange(1_000_000)
        )

        # Who and what: a returning customer (perhaps the same device again) or a new one.
        if self.customers and rng.random() < 0.22:
            customer = self.customers[rng.randrange(len(self.customers))]
            if customer.devices and rng.random() < 0.5:
                device = rng.choice(customer.devices)
            else:
                device = self.new_device(cursor, customer, created)
        else:
            customer = self.new_customer(cursor, created)
            device = self.new_device(cursor, customer, created)
        category = device[1]
        repair: Repair = REPAIR[category](rng)
        priority = PRIORITY(rng)
        if status in RUNNING_STATUSES and not self.overdue_given:
            # The shop's oldest open job on the clock: if it is not yet at risk, it is the VIP
            # promised four hours and still waiting, so every shop gives the sweep work.
            self.overdue_given = True
            if sla_times(priority, created, c.sla_risk_percent)[1] > self.now:
                priority = Priority.VIP.value
        desk = rng.choice(branch.desk)
        skill = SKILL_OF.get(category)
        able = [t for t in branch.technicians if skill in t.skills] or branch.technicians
        technician = rng.choice(able)
        others = [t for t in branch.technicians if t.id != technician.id] or c.managers
        manager = rng.choice(c.managers)
        wo_id = self.pools["works_orders"].take(cursor)

        # The quote, in pence.
        line_rows = []
        net = vat = 0
        for position, (kind, description, low, high) in enumerate(repair.lines):
            gross_target = rng.randint(low, high) * 100 - (1 if rng.random() < 0.7 else 0)
            unit = round(gross_target * 10000 / (10000 + c.vat_bp))
            line_rows.append((position, kind, description, unit))
            net += unit
            vat += vat_pence(unit, c.vat_bp)
        quote_net, quote_gross = net, net + vat

        # The path through the lifecycle, as (seconds after booking, kind, …) events.
        final = status
        cancel_from = CANCEL_STAGE(rng) if final == Status.CANCELLED else None
        reach = cancel_from or final  # the furthest status the job got to
        worked_on = reach not in (Status.INTAKE, Status.ASSIGNED)
        fast = priority in (Priority.URGENT, Priority.VIP)
        events: list[tuple] = [(0.0, "booked_in")]
        t = 0.0
        extra_line = approval = repaired = signed = final_price = None
        qc_failures = 0
        diagnosed = False
        if reach != Status.INTAKE:
            t += rng.uniform(120, 480)
            events.append((t, "consent"))
            t += rng.uniform(300, 3600 if fast else 6 * 3600)
            events.append((t, "step", "assign", manager if rng.random() < 0.6 else desk))
        if worked_on:
            t += rng.uniform(300, 1800 if fast else 20 * 3600)
            events.append((t, "step", "start", technician))
            if rng.random() < 0.8:
                diagnosed = True
                t += rng.uniform(600, 2400)
                events.append((t, "diagnosis"))
            beyond_bench = reach in (Status.QUALITY_CONTROL, Status.READY, Status.COLLECTED)
            if reach == Status.AWAITING_PARTS or (beyond_bench and rng.random() < 0.12):
                t += rng.uniform(600, 3600)
                events.append((t, "step", "wait_for_parts", technician))
                if reach != Status.AWAITING_PARTS:
                    t += rng.uniform(86400, 5 * 86400)
                    events.append((t, "step", "resume", technician))
            if reach == Status.AWAITING_APPROVAL or (beyond_bench and rng.random() < 0.06):
                kind, description, low, high = rng.choice(EXTRA_WORK)
                unit = round((rng.randint(low, high) * 100 - 1) * 10000 / (10000 + c.vat_bp))
                extra_line = (len(line_rows), kind, description, unit)
                t += rng.uniform(600, 3600)
                events.append((t, "extra_work"))
                t += 1
                events.append((t, "step", "ask_for_approval", technician))
                approval = {
                    "new_gross": quote_gross + unit + vat_pence(unit, c.vat_bp),
                    "approved": None,
                }
                if final != Status.AWAITING_APPROVAL:
                    # Cancelled from here: they said no to the extra work, then to the repair.
                    t += rng.uniform(3600, 86400)
                    approval["approved"] = cancel_from is None
                    events.append((t, "approval"))
                    t += 1
                    events.append((t, "step", "resume", desk))
            if beyond_bench or (reach == Status.IN_PROGRESS and rng.random() < 0.4):
                minutes = rng.randint(20, 150)
                t += minutes * 60
                running = final == Status.IN_PROGRESS and rng.random() < 0.5
                events.append((t, "time", minutes, running))
            if beyond_bench:
                # The technician prices the job before QC, as tickets.lifecycle requires.
                final_price = (
                    approval["new_gross"] if approval and approval["approved"] else quote_gross
                )
                t += rng.uniform(60, 600)
                events.append((t, "final_price", technician))
                t += 30
                events.append((t, "step", "submit_for_qc", technician))
                repaired = technician
                if rng.random() < 0.04:
                    signed = rng.choice(others)
                    qc_failures = 1
                    t += rng.uniform(600, 7200)
                    events.append((t, "step", "fail_qc", signed))
                    t += rng.uniform(600, 7200)
                    minutes = rng.randint(10, 45)
                    t += minutes * 60
                    events.append((t, "time", minutes, False))
                    t += 60
                    events.append((t, "step", "submit_for_qc", technician))
            if reach in (Status.READY, Status.COLLECTED):
                signed = rng.choice(others)
                t += rng.uniform(300, 3600 if fast else 4 * 3600)  # a VIP waits for nobody
                events.append((t, "step", "pass_qc", signed))
            if reach == Status.COLLECTED:
                t += rng.choice([rng.uniform(3600, 86400), rng.uniform(86400, 7 * 86400)])
                events.append((t, "step", "collect", desk))
        if cancel_from:
            t += rng.uniform(600, 3 * 86400)
            events.append((t, "step", "cancel", desk))
        # Squeeze the story into the time there was: nothing happens in the future.
        limit = self.now - datetime.timedelta(seconds=30)
        room = (limit - created).total_seconds()
        scale = min(1.0, room / t) if t > 0 else 1.0

        past_intake = reach != Status.INTAKE
        agreed = None
        if past_intake:
            agreed = approval["new_gross"] if approval and approval["approved"] else quote_gross
        if extra_line and approval and approval["approved"] is not False:
            line_rows.append(extra_line)
        # The lines.
        line_ids = []
        lines = self.tables["quote_lines"]
        vat_rate = pounds(c.vat_bp)
        for position, kind, description, unit in line_rows:
            line_id = self.pools["quote_lines"].take(cursor)
            line_ids.append(line_id)
            lines.add(
                (
                    line_id,
                    c.shop_id,
                    wo_id,
                    position,
                    kind,
                    description,
                    ONE,
                    pounds(unit),
                    vat_rate,
                )
            )
        # The timeline and what the events leave on the works order.
        timeline = self.tables["timeline"]
        state = Status.INTAKE.value
        entered = created  # when the job entered `state`
        stamps: dict[str, datetime.datetime] = {}
        signer_name = customer.name
        time_entries = []
        when = created
        shift = datetime.timedelta()  # how far waiting for opening time has pushed the story
        for event in events:
            kind = event[1]
            previous = when
            stay = ("", None)  # a step's status left and the time spent in it
            when = created + datetime.timedelta(seconds=event[0] * scale) + shift
            if kind not in ("booked_in", "consent"):  # those happen at the counter, at once
                # Work happens while the branch is open (what follows moves along with it);
                # then in order, and never in the future.
                opened = self.open_at(when)
                if opened <= limit:
                    shift += opened - when
                    when = opened
                if when <= previous:
                    when = previous + datetime.timedelta(seconds=rng.randint(20, 120))
                when = max(min(when, limit), previous + datetime.timedelta(seconds=1))
            if kind == "booked_in":
                row = (Event.BOOKED_IN, desk.id, f"Booked in at {branch.name}", "", "{}")
            elif kind == "consent":
                how = "signed on screen" if rng.random() < 0.6 else f"recorded by {desk.name}"
                stamps["consent"] = when
                stamps["consent_method"] = how
                row = (
                    Event.CONSENT,
                    desk.id,
                    f"{signer_name} agreed to {amount_text(quote_gross)} and terms "
                    f"v{c.terms_version} ({how})",
                    "",
                    json.dumps(
                        {"gross": str(pounds(quote_gross)), "terms_version": c.terms_version}
                    ),
                )
            elif kind == "step":
                step, actor = event[2], event[3]
                target = STEP_TARGET[step].value
                detail = ""
                if step == "assign":
                    detail = f"to {technician.name}"
                    stamps["assigned"] = when
                elif step == "start":
                    stamps.setdefault("started", when)
                elif step == "ask_for_approval":
                    stamps["asked"] = when
                elif step == "cancel":
                    reason = rng.choice(CANCEL_REASONS)
                    stamps["cancel_reason"] = reason
                    stamps["cancelled"] = when
                    detail = reason
                elif step == "resume" and approval and approval["approved"] is not None:
                    detail = (
                        "the customer approved"
                        if approval["approved"]
                        else "the customer declined the extra work"
                    )
                elif step == "pass_qc":
                    stamps["ready"] = when
                elif step == "collect":
                    stamps["collected"] = when
                row = (
                    STEP_EVENTS.get(step, Event.STATUS),
                    actor.id,
                    step_text(state, target, detail),  # as tickets.lifecycle words it
                    "",
                    self.step_data(step, state, target),
                )
                stay = (state, when - entered)
                state, entered = target, when
            elif kind == "diagnosis":
                row = (
                    Event.NOTE,
                    technician.id,
                    f"Diagnosis: {repair.diagnosis}",
                    NoteKind.INTERNAL,
                    "{}",
                )
            elif kind == "time":
                # The stretch of work that ends now (or is still going on), after the last step.
                if event[3]:  # a running timer: started a while ago, not stopped yet
                    time_entries.append((when, None))
                    continue
                begin = max(when - datetime.timedelta(minutes=event[2] * scale), previous)
                if when - begin < datetime.timedelta(minutes=1):
                    begin = when - datetime.timedelta(minutes=1)
                time_entries.append((begin, when))
                minutes = round((when - begin).total_seconds() / 60)
                row = (
                    Event.TIME,
                    technician.id,
                    f"{minutes} min on the bench",
                    "",
                    "{}",
                )
            elif kind == "extra_work":
                _, _, description, unit = extra_line
                gross = unit + vat_pence(unit, c.vat_bp)
                row = (
                    Event.NOTE,
                    technician.id,
                    f"Extra work: {description} ({amount_text(gross)})",
                    NoteKind.INTERNAL,
                    "{}",
                )
            elif kind == "approval":
                stamps["decided"] = when
                method = rng.choice(["in_person", "phone"])
                approval["method"] = method
                new = pounds(approval["new_gross"])
                if approval["approved"]:
                    how = "in person" if method == "in_person" else "by phone"
                    text = f"Customer approved {format_money(new, CURRENCY)} ({how})"
                else:
                    text = (
                        f"Customer declined {format_money(new, CURRENCY)}; "
                        f"back to {amount_text(quote_gross)}"
                    )
                row = (
                    Event.APPROVAL,
                    desk.id,
                    text,
                    "",
                    json.dumps({"approved": approval["approved"], "method": method}),
                )
            elif kind == "final_price":
                price = str(pounds(final_price))
                row = (
                    Event.DETAILS,
                    event[2].id,
                    final_price_text(pounds(final_price), pounds(final_price), CURRENCY),
                    "",
                    json.dumps({"final_price": price, "quoted": price}),
                )
            timeline.add((c.shop_id, wo_id, row[0], row[1], when, row[2], row[3], row[4], *stay))

        # Consent, approval, bench time.
        if past_intake:
            signature = (
                "consent_method" in stamps and stamps["consent_method"] == "signed on screen"
            )
            self.tables["consents"].add(
                (
                    c.shop_id,
                    wo_id,
                    ConsentMethod.SIGNATURE if signature else ConsentMethod.ON_BEHALF,
                    signer_name,
                    signature_png() if signature else None,
                    desk.id,
                    stamps["consent"],
                    pounds(quote_net),
                    pounds(quote_gross),
                    c.terms_id,
                )
            )
        if approval:
            decided = stamps.get("decided")
            self.tables["approvals"].add(
                (
                    c.shop_id,
                    wo_id,
                    pounds(quote_gross),
                    pounds(approval["new_gross"]),
                    extra_line[2],
                    technician.id,
                    stamps["asked"],
                    approval["approved"],
                    approval.get("method", ""),
                    desk.id if decided else None,
                    decided,
                    [line_ids[-1]] if approval["approved"] is not False else [],
                )
            )
        for begin, end in time_entries:
            self.tables["time_entries"].add((c.shop_id, wo_id, technician.id, begin, end, ""))

        # The works order itself.
        is_open = final not in (Status.COLLECTED, Status.CANCELLED)
        sla_due, sla_risk = sla_times(priority, created, c.sla_risk_percent)
        if final in (Status.READY, Status.COLLECTED):
            sla_paused = stamps["ready"]
        elif final == Status.CANCELLED:
            sla_paused = stamps["cancelled"]
        elif final == Status.AWAITING_APPROVAL:
            sla_paused = stamps["asked"]
        else:
            sla_paused = None
        passcode_kind = PASSCODE(rng)
        secret = None
        if is_open and passcode_kind in ("pin", "password", "pattern"):
            secret = passcodes.seal(
                {"pin": f"{rng.randint(0, 999999):06d}", "pattern": "1-4-7-8-9"}.get(
                    passcode_kind, "Summer2024!"
                )
            )
        conditions = rng.sample(CONDITIONS, rng.choice([0, 1, 1, 2]))
        accessories = rng.sample(ACCESSORIES, rng.choice([0, 0, 1, 2]))
        days = {"standard": 5, "urgent": 1, "vip": 0.2, "warranty": 10}[priority]
        estimated = created + datetime.timedelta(days=days)
        collected = final == Status.COLLECTED
        qc_results = "{}"
        if stamps.get("ready"):
            qc_results = c.qc_ok_json
        elif qc_failures and c.qc_items:
            qc_results = json.dumps(
                {
                    item: {
                        "ok": item != c.qc_items[0],
                        "note": "" if item != c.qc_items[0] else "Still faulty after the repair",
                    }
                    for item in c.qc_items
                }
            )
        self.tables["works_orders"].add(
            (
                wo_id,
                c.shop_id,
                number,
                status_token_hash(status_token_for(shop_id=c.shop_id, number=number, version=1)),
                branch.id,
                customer.id,
                device[0],
                final,
                priority,
                technician.id if "assigned" in stamps else None,
                conditions,
                "Scuffs on the bottom edge" if rng.random() < 0.1 else "",
                accessories,
                "Stylus and pouch" if rng.random() < 0.02 else "",
                passcode_kind,
                secret,
                repair.fault,
                repair.diagnosis if diagnosed else "",
                repair.codes if diagnosed else "",
                "; ".join(row[2] for row in line_rows[: len(repair.lines)]),
                repair.excluded,
                estimated,
                rng.choice(BENCH_MINUTES),
                desk.id,
                created,
                stamps.get("cancelled"),
                stamps.get("cancel_reason", ""),
                pounds(agreed) if agreed is not None else None,
                pounds(final_price) if final_price is not None else None,
                repaired.id if repaired else None,
                qc_results,
                signed.id if stamps.get("ready") else None,
                qc_failures,
                customer.name if collected else "",
                stamps.get("assigned"),
                stamps.get("started"),
                stamps.get("ready"),
                stamps.get("collected"),
                c.repair_types[repair.fault],
                sla_due,
                sla_risk,
                sla_paused,
                entered,
            )
        )
        if final in RUNNING_STATUSES:
            self.tables["sla_clocks"].add(
                (wo_id, c.shop_id, branch.id, sla_due, sla_risk, None, sla_risk)
            )


# --- Entry points ---------------------------------------------------------------------------


def fill_shop(
    shop: Shop,
    works_orders: int,
    *,
    seed: int,
    existing: bool = False,
    branch_code: str | None = None,
    open_only: bool = False,
    span_days: int = TWO_YEARS,
    n_open: int | None = None,
    progress: Progress | None = None,
    keep_triggers: bool = False,
) -> Progress:
    """Add `works_orders` works orders to `shop` (its branches, staff and catalogue as they
    are). `open_only`: every one still open, booked in the last fortnight (a busy board).
    `keep_triggers`: let the database's foreign-key triggers check every row (slower)."""
    progress = progress or Progress()
    rng = random.Random(f"{seed}:fill:{shop.pk}:{works_orders}")
    if branch_code:
        ensure_branch_staffed(shop, branch_code, rng)
    context = load_context(shop, existing=existing, only_branch=branch_code)
    filler = Filler(context, rng, progress, keep_triggers=keep_triggers)
    if open_only:
        filler.run(works_orders, span_days=14, n_open=works_orders)
    else:
        filler.run(works_orders, span_days=span_days, n_open=n_open)
    return progress


def generate_shop(
    spec: ShopSpec, seed: int, progress: Progress, *, keep_triggers: bool = False
) -> Shop:
    with transaction.atomic():
        shop = create_shop(spec, seed)
    progress.add({"shops": 1}, 0)
    fill_shop(shop, spec.works_orders, seed=seed, progress=progress, keep_triggers=keep_triggers)
    return shop


def generate_demo_works_orders(shop: Shop, count: int = 90, seed: int = 4582) -> Progress:
    """A lively demo shop: `count` works orders over the last six weeks, the newest fifth of
    them (the last week or so) open on the board, as in a shop that keeps up with its work.
    Quick enough for every `make run` of a fresh database."""
    return fill_shop(
        shop,
        count,
        seed=seed,
        existing=True,
        span_days=45,
        n_open=max(len(OPEN_STAGES), round(count * 0.2)),
    )


def balance(specs: list[ShopSpec], jobs: int) -> list[list[ShopSpec]]:
    """Shops split between workers with about the same number of works orders each."""
    groups: list[list[ShopSpec]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for spec in sorted(specs, key=lambda s: -s.works_orders):
        i = loads.index(min(loads))
        groups[i].append(spec)
        loads[i] += spec.works_orders + 200  # a shop's setup costs about 200 works orders
    return [sorted(g, key=lambda s: s.index) for g in groups if g]


def _worker(specs: list[ShopSpec], seed: int, keep_triggers: bool, queue) -> None:
    try:
        from django.db import connections

        connections.close_all()

        def report(_progress: Progress, written: dict) -> None:
            queue.put(("rows", written))

        progress = Progress(report=report)
        for spec in specs:
            generate_shop(spec, seed, progress, keep_triggers=keep_triggers)
        connections.close_all()
        queue.put(("done", None))
    except BaseException:  # the parent reports it and stops the others
        import traceback

        queue.put(("error", traceback.format_exc()))


def generate(
    *,
    shops: int,
    works_orders: int,
    seed: int,
    jobs: int = 1,
    report: Callable[[Progress, dict], None] | None = None,
    keep_triggers: bool = False,
) -> Progress:
    """`shops` new shops with `works_orders` works orders between them. jobs > 1 runs that many
    worker processes, each with its own database connection and its own shops."""
    rng = random.Random(f"{seed}:plan")
    specs = plan_shops(shops, works_orders, rng)
    progress = Progress(report=report)
    shared_password_hash()  # once, before any fork
    jobs = max(1, min(jobs, len(specs)))
    if jobs == 1:
        for spec in specs:
            generate_shop(spec, seed, progress, keep_triggers=keep_triggers)
        return progress

    import multiprocessing

    from django.db import connections

    connections.close_all()  # children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [
        context.Process(target=_worker, args=(group, seed, keep_triggers, queue), daemon=True)
        for group in balance(specs, jobs)
    ]
    for worker in workers:
        worker.start()
    running = len(workers)
    try:
        while running:
            try:
                kind, payload = queue.get(timeout=5)
            except Exception:
                if not any(w.is_alive() for w in workers):
                    raise RuntimeError("a generator worker died without a word") from None
                continue
            if kind == "rows":
                shop_rows = payload.pop("shops", 0)
                wos = payload.get("works_orders", 0)
                progress.rows.update(payload)
                if shop_rows:
                    progress.rows["shops"] += shop_rows
                progress.works_orders += wos
                if report is not None:
                    report(progress, payload)
            elif kind == "done":
                running -= 1
            elif kind == "error":
                raise RuntimeError(f"a generator worker failed:\n{payload}")
    finally:
        for worker in workers:
            if worker.is_alive() and running:
                worker.terminate()
            worker.join(timeout=10)
    return progress


def elapsed(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


class Reporter:
    """Progress lines every few seconds: works orders done, rate, time left."""

    def __init__(self, write: Callable[[str], None], total: int, every: float = 5.0) -> None:
        self.write, self.total, self.every = write, total, every
        self.started = self.last = time.monotonic()

    def __call__(self, progress: Progress, _written: dict) -> None:
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        spent = now - self.started
        done = progress.works_orders
        rate = done / spent if spent else 0
        rows = sum(v for k, v in progress.rows.items() if k != "shops")
        left = (self.total - done) / rate if rate else 0
        self.write(
            f"  {done:>9,} / {self.total:,} works orders ({done / max(self.total, 1):5.1%})"
            f"  {rate:7,.0f} works orders/s  {rows / spent:8,.0f} rows/s"
            f"  {elapsed(spent)} so far, about {elapsed(left)} to go"
        )


def summary(progress: Progress, seconds: float) -> list[str]:
    rows = sum(v for k, v in progress.rows.items() if k != "shops")
    lines = [
        f"{progress.works_orders:,} works orders in {elapsed(seconds)} "
        f"({progress.works_orders / seconds:,.0f} works orders/s); "
        f"{rows:,} rows ({rows / seconds:,.0f} rows/s)"
    ]
    lines += [f"  {name:<13} {count:>11,}" for name, count in sorted(progress.rows.items())]
    return lines
