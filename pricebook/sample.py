"""A realistic pricebook in the import's CSV format, the same for the same seed.

Used by scripts/pricebook_sample.py (files for trying the import and for the benchmark), by
the sample users download from the import page, and by the demo shop. Models start with the
starter catalogue (so a fresh shop already knows them) and go on with plausible generated ones;
each gets the repairs its category is sold with, priced by how premium the model is, with
parts whose costs spread the margins over the green, amber and red bands.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from devices.catalogue import starter_catalogue
from pricebook import csvfile
from pricebook.csvfile import ExportRow

# category → share of the models
CATEGORY_SHARE = {"phone": 0.667, "tablet": 0.147, "laptop": 0.113, "console": 0.02, "watch": 0.053}


@dataclass(frozen=True)
class Repair:
    name: str
    code: str  # in part numbers
    grades: tuple[str, ...]  # "" for a repair not sold by grade
    price: int  # a mid-range model's price in pounds incl. VAT, for the first grade
    minutes: int
    warranty: int
    part: str = ""  # what the part is called; empty: no part
    extra_part: tuple[str, str, str] = ()  # (number, name, cost) shared by many models


ADHESIVE = ("ADH-KIT-PHONE", "Display adhesive kit (phone)", "1.20")
BATTERY_STRIPS = ("ADH-STRIP-BATT", "Battery adhesive strips", "0.65")
THERMAL = ("THERM-PASTE-4G", "Thermal paste, 4 g", "2.40")

REPAIRS = {
    "phone": (
        Repair(
            "Screen replacement",
            "SCR",
            ("oem", "aftermarket", "refurbished"),
            149,
            45,
            180,
            "screen assembly",
            ADHESIVE,
        ),
        Repair(
            "Battery replacement",
            "BAT",
            ("oem", "aftermarket"),
            69,
            30,
            365,
            "battery",
            BATTERY_STRIPS,
        ),
        Repair("Charging port", "CHG", ("aftermarket",), 59, 45, 90, "charging port flex"),
        Repair("Back glass", "BCK", ("oem", "aftermarket"), 89, 60, 90, "back glass"),
        Repair("Rear camera", "RCM", ("oem", "refurbished"), 99, 40, 90, "rear camera module"),
        Repair("Front camera", "FCM", ("aftermarket",), 59, 40, 90, "front camera"),
        Repair("Camera lens", "LNS", ("aftermarket",), 35, 20, 90, "camera lens cover"),
        Repair("Loudspeaker", "LSP", ("aftermarket",), 45, 30, 90, "loudspeaker"),
        Repair("Earpiece speaker", "EAR", ("aftermarket",), 45, 35, 90, "earpiece speaker"),
        Repair("Microphone", "MIC", ("aftermarket",), 49, 40, 90, "microphone flex"),
        Repair("Buttons", "BTN", ("aftermarket",), 49, 40, 90, "power and volume flex"),
        Repair("Water damage diagnostic", "", ("",), 29, 30, 0),
        Repair("Data recovery", "", ("",), 99, 120, 0),
    ),
    "tablet": (
        Repair(
            "Screen replacement",
            "SCR",
            ("oem", "aftermarket", "refurbished"),
            179,
            75,
            180,
            "screen assembly",
            ADHESIVE,
        ),
        Repair("Battery replacement", "BAT", ("oem", "aftermarket"), 99, 60, 365, "battery"),
        Repair("Charging port", "CHG", ("aftermarket",), 79, 60, 90, "charging port"),
        Repair("Rear camera", "RCM", ("aftermarket",), 69, 50, 90, "rear camera"),
        Repair("Front camera", "FCM", ("aftermarket",), 59, 50, 90, "front camera"),
        Repair("Loudspeaker", "LSP", ("aftermarket",), 59, 50, 90, "loudspeaker"),
        Repair("Buttons", "BTN", ("aftermarket",), 59, 50, 90, "button flex"),
        Repair("Water damage diagnostic", "", ("",), 35, 40, 0),
        Repair("Data recovery", "", ("",), 119, 150, 0),
        Repair("Software restore", "", ("",), 39, 45, 30),
    ),
    "laptop": (
        Repair("Screen replacement", "LCD", ("oem", "aftermarket"), 199, 60, 180, "display panel"),
        Repair("Battery replacement", "BAT", ("oem", "aftermarket"), 119, 40, 365, "battery"),
        Repair("Keyboard", "KBD", ("oem", "aftermarket"), 109, 90, 180, "keyboard"),
        Repair("Charging port", "DCJ", ("aftermarket",), 89, 90, 90, "DC jack"),
        Repair("Hinge repair", "HNG", ("aftermarket",), 79, 75, 90, "hinge set"),
        Repair("Fan replacement", "FAN", ("aftermarket",), 69, 60, 90, "cooling fan", THERMAL),
        Repair("Water damage diagnostic", "", ("",), 45, 45, 0),
        Repair("Data recovery", "", ("",), 149, 180, 0),
        Repair("Software restore", "", ("",), 59, 90, 30),
    ),
    "console": (
        Repair("HDMI port", "HDMI", ("aftermarket",), 89, 90, 90, "HDMI port"),
        Repair("Fan replacement", "FAN", ("aftermarket",), 79, 60, 90, "cooling fan", THERMAL),
        Repair("Disc drive", "BDR", ("refurbished",), 99, 60, 90, "disc drive"),
        Repair("Joystick drift", "JOY", ("aftermarket",), 39, 40, 90, "analogue stick"),
        Repair("Software restore", "", ("",), 49, 60, 30),
        Repair("Water damage diagnostic", "", ("",), 39, 45, 0),
        Repair("Buttons", "BTN", ("aftermarket",), 35, 30, 90, "button set"),
    ),
    "watch": (
        Repair("Screen replacement", "SCR", ("oem", "aftermarket"), 129, 60, 180, "display"),
        Repair("Battery replacement", "BAT", ("oem",), 79, 45, 365, "battery"),
        Repair("Back glass", "BCK", ("aftermarket",), 69, 60, 90, "sensor back glass"),
        Repair("Buttons", "BTN", ("aftermarket",), 49, 45, 90, "crown and button"),
        Repair("Water damage diagnostic", "", ("",), 29, 30, 0),
        Repair("Software restore", "", ("",), 29, 30, 30),
    ),
}
GRADE_PRICE = {
    "oem": Decimal("1.00"),
    "refurbished": Decimal("0.82"),
    "aftermarket": Decimal("0.66"),
}
GRADE_COST = {"oem": (0.35, 0.65), "refurbished": (0.25, 0.5), "aftermarket": (0.15, 0.45)}
GRADE_NAME = {"oem": "OEM", "refurbished": "refurbished", "aftermarket": "aftermarket"}

# Generated models beyond the starter catalogue: (category, make, family, numbers, suffixes)
FAMILIES = (
    ("phone", "Samsung", "Galaxy A", range(1, 80), ("", " 5G", "s")),
    ("phone", "Samsung", "Galaxy M", range(10, 60), ("", " 5G")),
    ("phone", "Samsung", "Galaxy F", range(12, 60), ("",)),
    ("phone", "Xiaomi", "Redmi Note ", range(7, 15), ("", " Pro", " Pro+", " 5G", "S")),
    ("phone", "Xiaomi", "Redmi ", range(7, 15), ("", "A", "C", " 5G")),
    ("phone", "Xiaomi", "Poco X", range(2, 8), ("", " Pro", " NFC")),
    ("phone", "Xiaomi", "Poco F", range(2, 7), ("", " Pro")),
    ("phone", "Oppo", "Reno", range(2, 13), ("", " Pro", " Z", " Lite")),
    ("phone", "Oppo", "A", range(15, 99), ("", "s", " 5G")),
    ("phone", "Oppo", "Find X", range(2, 8), ("", " Pro", " Lite", " Neo")),
    ("phone", "Vivo", "Y", range(11, 80), ("", "s")),
    ("phone", "Vivo", "V", range(15, 31), ("", " Pro")),
    ("phone", "Realme", "", range(5, 13), ("", " Pro", " Pro+", "i")),
    ("phone", "Realme", "C", range(11, 68), ("",)),
    ("phone", "Honor", "", range(50, 201, 10), ("", " Lite", " Pro")),
    ("phone", "Honor", "X", range(6, 10), ("", "a", "b", "c")),
    ("phone", "Huawei", "P", range(20, 61, 10), ("", " Pro", " Lite")),
    ("phone", "Huawei", "Mate ", range(10, 61, 10), ("", " Pro", " Lite")),
    ("phone", "Huawei", "nova ", range(3, 13), ("", "i", " SE")),
    ("phone", "Huawei", "Y", range(5, 10), ("", " Prime", "p")),
    ("phone", "Motorola", "Moto G", range(5, 85, 5), ("", " Power", " Play", " Stylus", " 5G")),
    ("phone", "Motorola", "Moto E", range(5, 41), ("", " Plus")),
    ("phone", "Motorola", "Edge ", range(20, 51, 10), ("", " Pro", " Neo", " Fusion")),
    ("phone", "Nokia", "G", range(10, 61, 10), ("", " Plus")),
    ("phone", "Nokia", "X", range(10, 31, 10), ("",)),
    ("phone", "Nokia", "C", range(1, 33), ("", " Plus")),
    ("phone", "Sony", "Xperia 1 ", ("II", "III", "IV", "V", "VI"), ("",)),
    ("phone", "Sony", "Xperia 5 ", ("II", "III", "IV", "V"), ("",)),
    ("phone", "Sony", "Xperia 10 ", ("II", "III", "IV", "V", "VI"), ("",)),
    (
        "phone",
        "OnePlus",
        "Nord ",
        ("2", "2T", "3", "4", "CE", "CE 2", "CE 3", "CE 4", "N10", "N20"),
        ("", " Lite", " 5G"),
    ),
    ("phone", "Google", "Pixel ", range(3, 10), ("", " XL", "a", "a XL", " Pro")),
    ("phone", "TCL", "", range(10, 51, 10), ("", " SE", " 5G", " Pro")),
    ("phone", "Alcatel", "", range(1, 6), ("", "S", "X", "V")),
    ("phone", "ZTE", "Blade A", range(3, 76), ("",)),
    ("phone", "Doro", "", range(8030, 8101, 10), ("",)),
    ("phone", "Nothing", "Phone (", ("1)", "2)", "2a)", "3a)"), ("",)),
    ("tablet", "Samsung", "Galaxy Tab A", range(7, 10), ("", " Lite", " 8.0", " 10.1")),
    ("tablet", "Samsung", "Galaxy Tab S", range(5, 10), ("", "e", "+", " FE", " Ultra")),
    ("tablet", "Lenovo", "Tab M", range(7, 12), ("", " HD", " Plus", " (3rd Gen)")),
    ("tablet", "Lenovo", "Tab P", range(10, 13), ("", " Pro", " Plus")),
    ("tablet", "Amazon", "Fire HD ", (7, 8, 10), ("", " Plus", " Kids", " (2022)", " (2023)")),
    ("tablet", "Huawei", "MatePad ", (10, 11, "Pro", "T8", "T10", "SE"), ("", " 2023")),
    ("tablet", "Xiaomi", "Pad ", (5, 6, "6S Pro", "SE"), ("", " Pro")),
    ("tablet", "Microsoft", "Surface Go ", (1, 2, 3, 4), ("",)),
    (
        "laptop",
        "Dell",
        "Inspiron ",
        (3511, 3520, 3530, 5410, 5510, 5570, 7400, 7501, 7610),
        ("", " 2-in-1"),
    ),
    ("laptop", "Dell", "Latitude ", (3410, 3520, 5400, 5420, 5430, 7390, 7420, 7440), ("",)),
    ("laptop", "Dell", "XPS ", (13, 15, 17), (" 9300", " 9310", " 9500", " 9510", " 9700")),
    ("laptop", "HP", "Pavilion ", (14, 15, 16), ("", "-dv", "-eh", " x360")),
    ("laptop", "HP", "EliteBook ", (830, 840, 850), (" G5", " G6", " G7", " G8", " G9", " G10")),
    ("laptop", "HP", "ProBook ", (430, 440, 450), (" G6", " G7", " G8", " G9", " G10")),
    (
        "laptop",
        "Lenovo",
        "ThinkPad ",
        ("T14", "T480", "T490", "X1 Carbon", "E14", "L14"),
        (" Gen 1", " Gen 2", " Gen 3", " Gen 4", ""),
    ),
    ("laptop", "Lenovo", "IdeaPad ", (1, 3, 5), (" 14", " 15", " Slim", " Flex")),
    ("laptop", "ASUS", "VivoBook ", (14, 15, 16, "S14", "S15"), ("", " OLED", " Pro")),
    ("laptop", "ASUS", "ZenBook ", (13, 14, 15, "Duo"), ("", " OLED", " Flip")),
    ("laptop", "Acer", "Aspire ", (1, 3, 5, 7), (" 14", " 15", " 17")),
    ("laptop", "Acer", "Swift ", (1, 3, 5, "Go", "X"), ("", " 14", " 16")),
    ("console", "Sony", "DualSense controller", ("",), ("", " Edge")),
    ("console", "Nintendo", "Joy-Con", (" (L)", " (R)", " pair"), ("",)),
    ("console", "Microsoft", "Xbox Wireless Controller", ("",), ("", " Elite Series 2")),
    ("console", "Sony", "PlayStation Portal", ("",), ("",)),
    ("console", "Nintendo", "Switch 2", ("",), ("",)),
    ("console", "ASUS", "ROG Ally", ("", " X"), ("",)),
    ("watch", "Apple", "Watch Series ", range(3, 11), (" 41mm", " 45mm", " 38mm", " 42mm")),
    ("watch", "Apple", "Watch SE ", ("(1st gen)", "(2nd gen)"), (" 40mm", " 44mm")),
    ("watch", "Samsung", "Galaxy Watch", (4, 5, 6, 7), (" 40mm", " 44mm", " Classic")),
    ("watch", "Garmin", "Forerunner ", (55, 165, 255, 265, 945, 965), ("",)),
    ("watch", "Garmin", "Fenix ", (6, 7, 8), ("", " Pro", "S")),
    (
        "watch",
        "Fitbit",
        "",
        ("Versa 2", "Versa 3", "Versa 4", "Sense", "Sense 2", "Charge 5"),
        ("",),
    ),
)
PREMIUM = re.compile(r"Pro|Max|Ultra|Plus|\+|Fold|Flip|XPS|X1|Elite|Fenix|Find X", re.I)
BUDGET = re.compile(
    r"Lite|Go\b|Galaxy [AMF]\d|Moto [EG]|Redmi|Blade|Doro|Alcatel|\bC\d|Fire|Y\d", re.I
)


@dataclass(frozen=True)
class SampleModel:
    category: str
    make: str
    name: str
    tier: Decimal  # price factor: 0.6 budget … 1.9 flagship

    @property
    def label(self) -> str:  # as devices.models.DeviceModel shows it
        if self.name.lower().startswith(self.make.lower()):
            return self.name
        return f"{self.make} {self.name}"


def sample_models(count: int, rng: random.Random) -> list[SampleModel]:
    """`count` models: the starter catalogue first, then generated ones in the same shares."""
    starter = [(row.category, row.make, row.name) for row in starter_catalogue()]
    wanted = {c: round(count * share) for c, share in CATEGORY_SHARE.items()}
    if count < len(starter):  # a small file still shows every category
        step = len(starter) / count
        chosen = [starter[int(i * step)] for i in range(count)]
    else:
        chosen = list(starter)
    for category, _, _ in chosen:
        wanted[category] -= 1
    seen = {(make, name) for _, make, name in chosen}
    candidates = [
        (category, make, f"{family}{number}{suffix}".strip())
        for category, make, family, numbers, suffixes in FAMILIES
        for number in numbers
        for suffix in suffixes
    ]
    rng.shuffle(candidates)
    # In proportion first; then whatever is left (the rarer categories run out of names).
    for in_proportion in (True, False):
        for category, make, name in candidates:
            if len(chosen) >= count:
                break
            if (make, name) in seen or (in_proportion and wanted.get(category, 0) <= 0):
                continue
            seen.add((make, name))
            chosen.append((category, make, name))
            wanted[category] -= 1
    return [SampleModel(c, make, name, tier_for(name, rng)) for c, make, name in chosen]


def tier_for(name: str, rng: random.Random) -> Decimal:
    """How premium a model is, from its name, give or take: the factor on its prices."""
    tier = 1.45 if PREMIUM.search(name) else (0.7 if BUDGET.search(name) else 1.0)
    return Decimal(str(round(tier * rng.uniform(0.85, 1.2), 2)))


def _price_point(pounds: Decimal) -> Decimal:
    """Shop prices: £4.99, £9.99 … £89.99, £94.99: a five-pound step less a penny."""
    fives = max(1, int((pounds / 5).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    return Decimal(fives * 5) - Decimal("0.01")


class _PartNumbers:
    """Unique, readable part numbers: APL-IPHONE13PROMAX-SCR-OEM."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, model: SampleModel, repair: Repair, grade: str) -> str:
        slug = re.sub(r"[^A-Z0-9]", "", model.name.upper().replace("+", "PLUS"))[:24]
        number = f"{model.make[:3].upper()}-{slug}-{repair.code}-{grade[:3].upper()}"
        candidate, n = number, 1
        while candidate in self.seen:
            n += 1
            candidate = f"{number}{n}"
        self.seen.add(candidate)
        return candidate


def sample_rows(models: list[SampleModel], rng: random.Random) -> Iterator[ExportRow]:
    numbers = _PartNumbers()
    for model in models:
        for repair in REPAIRS[model.category]:
            yield from _repair_rows(model, repair, rng, numbers)


def _repair_rows(model: SampleModel, repair: Repair, rng: random.Random, numbers) -> Iterator:
    base = Decimal(repair.price) * model.tier
    for grade in repair.grades:
        price = _price_point(base * GRADE_PRICE.get(grade, Decimal(1)))
        common = {
            "category": model.category,
            "make": model.make,
            "model": model.name,
            "repair_type": repair.name,
            "grade": grade,
            "price": price,
            "labour_minutes": repair.minutes,
            "warranty_days": repair.warranty,
            "active": True,
        }
        if not repair.part:
            yield ExportRow(**common)
            continue
        low, high = GRADE_COST[grade]
        cost = (price / Decimal("1.2") * Decimal(str(rng.uniform(low, high)))).quantize(
            Decimal("0.01")
        )
        yield ExportRow(
            **common,
            part_number=numbers(model, repair, grade),
            part_name=f"{model.label} {repair.part} ({GRADE_NAME[grade]})",
            part_cost=cost,
            part_quantity=1,
        )
        if repair.extra_part:
            number, name, extra_cost = repair.extra_part
            yield ExportRow(
                **common,
                part_number=number,
                part_name=name,
                part_cost=Decimal(extra_cost),
                part_quantity=1,
            )


def sample_csv(*, models: int = 1500, seed: int = 1) -> str:
    """The whole file as text."""
    rng = random.Random(seed)
    return "".join(csvfile.write(sample_rows(sample_models(models, rng), rng)))
