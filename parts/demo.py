"""The demo shop's parts: three suppliers, about thirty parts for its device models, stock at
both branches, reservations for jobs on the bench and purchase orders in every state."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from devices.models import DeviceModel
from parts import services
from parts.models import Part, Supplier
from shops.models import Branch, Membership, Role, Shop
from tickets.models import Status, WorksOrder

SUPPLIERS = [
    (
        "Mobile Parts Direct",
        "orders@mobilepartsdirect.example",
        "0121 496 0800",
        2,
        "Account FC-1182. Order by 3 pm for next-day dispatch.",
    ),
    (
        "Fone Wholesale UK",
        "trade@fonewholesale.example",
        "0161 496 0300",
        3,
        "Trade account 55120; free delivery over £150.",
    ),
    (
        "Console Spares Ltd",
        "sales@consolespares.example",
        "0113 496 0555",
        5,
        "Ships from Leeds on Tuesdays and Fridays.",
    ),
]
MPD, FONE, CONSOLE = (name for name, *_ in SUPPLIERS)


@dataclass
class DemoPart:
    name: str
    number: str
    barcode: str
    grade: str
    cost: str
    sell: str
    fits: list[str]
    buy: dict[str, str]  # supplier → their cost
    stock: dict[str, int] = field(default_factory=dict)  # branch code → on hand
    reorder: tuple[int, int] = (0, 0)  # (point, quantity), at both branches
    serials: str = ""  # "serial" or "batch" for parts whose units are numbered


def _iphone(model: str, code: str, n: int) -> list[DemoPart]:
    fits = [f"iPhone {model}"]
    return [
        DemoPart(
            f"iPhone {model} screen (OEM)",
            f"IP{code}-SCR-OEM",
            f"50123450{n:03d}1",
            "oem",
            "118.00",
            "189.00",
            fits,
            {MPD: "118.00", FONE: "121.50"},
            {"BHM": 2, "COV": 1},
            (1, 3),
            "serial",
        ),
        DemoPart(
            f"iPhone {model} screen (aftermarket)",
            f"IP{code}-SCR-AM",
            f"50123450{n:03d}2",
            "aftermarket",
            "46.00",
            "99.00",
            fits,
            {FONE: "46.00", MPD: "49.00"},
            {"BHM": 5, "COV": 3},
            (2, 6),
        ),
        DemoPart(
            f"iPhone {model} battery",
            f"IP{code}-BAT",
            f"50123450{n:03d}3",
            "aftermarket",
            "17.50",
            "59.00",
            fits,
            {MPD: "17.50"},
            {"BHM": 6, "COV": 2},
            (3, 10),
            "batch",
        ),
        DemoPart(
            f"iPhone {model} charge port flex",
            f"IP{code}-FLEX",
            f"50123450{n:03d}4",
            "aftermarket",
            "9.80",
            "45.00",
            fits,
            {FONE: "9.80"},
            {"BHM": 1},
            (1, 4),
        ),
    ]


PARTS = [
    *_iphone("12", "12", 12),
    *_iphone("13", "13", 13),
    *_iphone("14", "14", 14),
    *_iphone("15", "15", 15),
    DemoPart(
        "Galaxy S23 screen (OEM service pack)",
        "GS23-SCR-OEM",
        "8806094000231",
        "oem",
        "142.00",
        "229.00",
        ["Galaxy S23"],
        {FONE: "142.00"},
        {"BHM": 1},
        (1, 2),
        "serial",
    ),
    DemoPart(
        "Galaxy S22 screen (aftermarket)",
        "GS22-SCR-AM",
        "8806094000222",
        "aftermarket",
        "64.00",
        "129.00",
        ["Galaxy S22"],
        {FONE: "64.00", MPD: "66.50"},
        {"BHM": 2, "COV": 2},
        (1, 3),
    ),
    DemoPart(
        "Galaxy A54 battery",
        "GA54-BAT",
        "8806094000541",
        "aftermarket",
        "14.00",
        "49.00",
        ["Galaxy A54"],
        {FONE: "14.00"},
        {"COV": 3},
        (1, 4),
    ),
    DemoPart(
        "Galaxy S21 back glass",
        "GS21-BACK",
        "8806094000218",
        "aftermarket",
        "8.50",
        "49.00",
        ["Galaxy S21"],
        {FONE: "8.50"},
        {"BHM": 4},
    ),
    DemoPart(
        "Pixel 7 screen (refurbished)",
        "PX7-SCR-RF",
        "0842776100071",
        "refurbished",
        "72.00",
        "139.00",
        ["Pixel 7"],
        {MPD: "72.00"},
        {"BHM": 1},
        (1, 2),
    ),
    DemoPart(
        "Pixel 8 battery",
        "PX8-BAT",
        "0842776100088",
        "oem",
        "26.00",
        "69.00",
        ["Pixel 8"],
        {MPD: "26.00"},
        {"BHM": 2, "COV": 1},
        (1, 3),
    ),
    DemoPart(
        "iPad (9th generation) digitiser",
        "IPAD9-DIG",
        "5012345099901",
        "aftermarket",
        "21.00",
        "79.00",
        ["iPad (9th generation)"],
        {FONE: "21.00"},
        {"BHM": 3, "COV": 1},
        (1, 3),
    ),
    DemoPart(
        "MacBook Air M1 battery",
        "MBA-M1-BAT",
        "5012345088801",
        "aftermarket",
        "64.00",
        "149.00",
        ["MacBook Air 13-inch (M1, 2020)"],
        {MPD: "64.00"},
        {"COV": 2},
        (1, 2),
        "serial",
    ),
    DemoPart(
        "PlayStation 5 HDMI port",
        "PS5-HDMI",
        "0711719500012",
        "aftermarket",
        "4.20",
        "79.00",
        ["PlayStation 5", "PlayStation 5 Digital Edition"],
        {CONSOLE: "4.20"},
        {"COV": 6},
        (2, 10),
    ),
    DemoPart(
        "Switch Joy-Con analogue stick",
        "NSW-STICK",
        "0045496400017",
        "aftermarket",
        "3.10",
        "35.00",
        ["Switch", "Switch OLED", "Switch Lite"],
        {CONSOLE: "3.10"},
        {"BHM": 8, "COV": 4},
        (4, 12),
    ),
    DemoPart(
        "Xbox Series X HDMI port",
        "XSX-HDMI",
        "0889842600013",
        "aftermarket",
        "5.60",
        "79.00",
        ["Xbox Series X", "Xbox Series S"],
        {CONSOLE: "5.60"},
        {"COV": 1},
        (1, 4),
    ),
    DemoPart(
        "Apple Watch Series 8 45 mm screen",
        "AW8-45-SCR",
        "5012345077701",
        "refurbished",
        "89.00",
        "169.00",
        ["Apple Watch Series 8"],
        {MPD: "89.00"},
        {},
        (0, 1),
    ),
    DemoPart(
        "Tempered glass screen protector (universal 6.1″)",
        "ACC-TG-61",
        "5012345066601",
        "aftermarket",
        "0.90",
        "9.99",
        [],
        {FONE: "0.90"},
        {"BHM": 40, "COV": 25},
        (10, 50),
    ),
    DemoPart(
        "USB-C to Lightning cable 1 m",
        "ACC-USBC-L1",
        "5012345066618",
        "aftermarket",
        "2.40",
        "14.99",
        [],
        {FONE: "2.40"},
        {"BHM": 12, "COV": 9},
        (4, 20),
    ),
]


def _suppliers(shop: Shop) -> dict[str, Supplier]:
    return {
        name: services.supplier_save(
            supplier=Supplier(
                shop=shop, name=name, email=email, phone=phone, lead_time_days=days, notes=notes
            )
        )
        for name, email, phone, days, notes in SUPPLIERS
    }


def _numbers(spec: DemoPart, branch: Branch, count: int) -> dict:
    if spec.serials == "serial":
        return {"serials": [f"{spec.number[:4]}{branch.code}{i:04d}" for i in range(1, count + 1)]}
    if spec.serials == "batch":
        return {"batch": f"LOT-2611-{spec.number[:4]}"}
    return {}


def _catalogue(shop: Shop, manager: Membership, branches: dict[str, Branch]) -> dict[str, Part]:
    suppliers = _suppliers(shop)
    models = {m.name: m for m in DeviceModel.objects.for_shop(shop)}
    parts = {}
    for spec in PARTS:
        part = services.part_save(
            part=Part(
                shop=shop,
                name=spec.name,
                part_number=spec.number,
                barcode=spec.barcode,
                grade=spec.grade,
                cost=Decimal(spec.cost),
                sell_price=Decimal(spec.sell),
                vat_rate=shop.vat_rate,
                tracks_serials=bool(spec.serials),
            ),
            compatible_models=[models[name] for name in spec.fits if name in models],
        )
        for supplier, cost in spec.buy.items():
            services.supplier_part_set(
                part=part,
                supplier=suppliers[supplier],
                supplier_sku=f"{supplier[:3].upper()}-{spec.number}",
                cost=Decimal(cost),
            )
        for code, branch in branches.items():
            if spec.reorder != (0, 0):
                point, quantity = spec.reorder
                services.stock_level_set(
                    part=part, branch=branch, reorder_point=point, reorder_quantity=quantity
                )
            if spec.stock.get(code):
                services.stock_receive(
                    part=part,
                    branch=branch,
                    quantity=spec.stock[code],
                    by=manager,
                    reason="Opening stock",
                    **_numbers(spec, branch, spec.stock[code]),
                )
        parts[spec.number] = part
    return parts


def _orders(shop: Shop, manager: Membership, desk: Membership, parts, branches):
    """A delivered order, one partly delivered and one on its way; returns how to start the
    draft, made after the bench's orders so a part ordered for a job cannot join and send it."""
    suppliers = {s.name: s for s in Supplier.objects.for_shop(shop)}

    def order(supplier: str, code: str, lines: list[tuple[str, int]]):
        draft = services.purchase_order_create(
            supplier=suppliers[supplier], branch=branches[code], by=manager
        )
        for number, quantity in lines:
            services.purchase_order_add_line(order=draft, part=parts[number], quantity=quantity)
        return draft

    delivered = services.purchase_order_send(
        order=order(MPD, "BHM", [("IP13-SCR-OEM", 2), ("IP13-BAT", 5)]), by=manager
    )
    screens, batteries = delivered.lines.order_by("id")
    services.purchase_order_receive(
        order=delivered,
        deliveries=[
            services.Delivery(screens, 2, serials=["IP13OEM-D7741", "IP13OEM-D7742"]),
            services.Delivery(batteries, 5, batch="LOT-2611-4471"),
        ],
        by=desk,
    )
    partly = services.purchase_order_send(
        order=order(FONE, "COV", [("GS22-SCR-AM", 4), ("ACC-TG-61", 50)]), by=manager
    )
    services.purchase_order_receive(
        order=partly,
        deliveries=[services.Delivery(partly.lines.get(part=parts["ACC-TG-61"]), 50)],
        by=desk,
    )
    services.purchase_order_send(order=order(FONE, "BHM", [("IP14-SCR-AM", 6)]), by=manager)
    return lambda: order(CONSOLE, "COV", [("PS5-HDMI", 10), ("NSW-STICK", 12)])


def _bench(shop: Shop, parts: dict[str, Part], manager: Membership) -> None:
    """Jobs on the bench hold their parts; the first waits for an OEM screen on order."""
    by_model: dict[str, list[Part]] = {}
    for spec in PARTS:
        for name in spec.fits:
            by_model.setdefault(name, []).append(parts[spec.number])
    jobs = (
        WorksOrder.objects.for_shop(shop)
        .filter(status__in=[Status.IN_PROGRESS, Status.ASSIGNED, Status.AWAITING_PARTS])
        .select_related("device", "branch")
        .order_by("created_at")
    )
    protector = parts["ACC-TG-61"]
    waiting = None
    for job in sorted(jobs, key=lambda j: j.status != Status.AWAITING_PARTS):
        fitting = by_model.get(job.device.model_name)
        if not fitting:
            if job.device.category == "phone":  # a new screen protector goes on after the repair
                services.works_order_part_add(
                    works_order=job, part=protector, quantity=1, by=manager
                )
                services.works_order_reserve_parts(works_order=job, by=manager)
            continue
        if waiting is None:
            waiting = services.works_order_order_part(
                works_order=job, part=fitting[0], quantity=1, by=manager
            )
            services.purchase_order_send(order=waiting.po_line.order, by=manager)
        else:
            part = fitting[1] if len(fitting) > 1 else fitting[0]
            services.works_order_part_add(works_order=job, part=part, quantity=1, by=manager)
            services.works_order_reserve_parts(works_order=job, by=manager)


@transaction.atomic
def load_demo_stock(shop: Shop) -> bool:
    """Give the demo shop its parts and stock, once; returns whether anything was added."""
    if Supplier.objects.for_shop(shop).exists():
        return False
    members = Membership.objects.for_shop(shop)
    manager = members.filter(role=Role.MANAGER).first() or members.get(role=Role.OWNER)
    desk = members.filter(role=Role.FRONT_DESK).first() or manager
    branches = {b.code: b for b in Branch.objects.for_shop(shop).filter(is_active=True)}
    parts = _catalogue(shop, manager, branches)
    start_draft = _orders(shop, manager, desk, parts, branches)
    _bench(shop, parts, manager)
    start_draft()
    _shelve_priced_parts(shop, manager, branches)
    return True


def _shelve_priced_parts(shop: Shop, manager: Membership, branches: dict[str, Branch]) -> None:
    """Some stock of the screens, batteries and adhesive the demo pricebook uses, so quoting at
    the counter shows parts on the shelf, parts running low and parts to order."""
    from pricebook.models import OptionPart  # the pricebook builds on parts, not the reverse

    rng = random.Random(11)
    used = OptionPart.objects.for_shop(shop).filter(
        Q(part__name__icontains="screen")
        | Q(part__name__icontains="battery")
        | Q(part__name__icontains="adhesive")
    )
    for part in Part.objects.for_shop(shop).filter(pk__in=used.values("part")).order_by("pk"):
        for branch in branches.values():
            quantity = rng.choice([0, 0, 1, 2, 3, 5])
            if quantity:
                services.stock_receive(part=part, branch=branch, quantity=quantity, by=manager)
