"""What the load test asks for, read from the data set before a run: per shop, who signs in, the
board it watches, the cards it moves, the works orders it opens, what it searches for, fresh
customers and devices for intakes, and its customers' status links.

Run by scripts/loadtest.py inside Django (the production settings, the bench database); the
result is a JSON file the locustfile reads, so locust itself never touches the database.
"""

from __future__ import annotations

import random

BIG_BOARD = "BENCH"  # the big shop's busy branch (scripts/bench.py)
DETAIL_SAMPLE = 40
SEARCH_SAMPLE = 15
STATUS_SAMPLE = 30
MOVE_CARDS = 6


def fresh_customers(shop, rng: random.Random, wanted: int) -> list[dict]:
    """Phones and IMEIs this shop has never seen, so every intake books a new customer."""
    import phonenumbers
    from stdnum import luhn

    from customers.models import Customer
    from devices.models import Device
    from tickets import scale

    candidates = []
    while len(candidates) < wanted * 2:
        phone = f"077{rng.randint(1, 7)}{rng.randrange(10)} {rng.randrange(1_000_000):06d}"
        e164 = "+44" + phone.replace(" ", "")[1:]
        if not phonenumbers.is_valid_number(phonenumbers.parse(e164)):
            continue
        body = f"35{rng.randrange(10**12):012d}"
        candidates.append((phone, e164, body + luhn.calc_check_digit(body)))
    phones = {c[1] for c in candidates}
    imeis = {c[2] for c in candidates}
    taken_phones = set(
        Customer.objects.for_shop(shop).filter(phone__in=phones).values_list("phone", flat=True)
    )
    taken_imeis = set(
        Device.objects.for_shop(shop).filter(imei__in=imeis).values_list("imei", flat=True)
    )
    fresh = []
    for phone, e164, imei in candidates:
        if e164 in taken_phones or imei in taken_imeis:
            continue
        taken_phones.add(e164)
        taken_imeis.add(imei)
        fresh.append(
            {
                "phone": phone,
                "imei": imei,
                "name": f"{rng.choice(scale.FIRST_NAMES)} {rng.choice(scale.SURNAMES)}",
                "model": rng.choice(["iPhone 13", "iPhone 14", "iPhone 15 Pro", "iPhone 12 mini"]),
                "fault": rng.choice(scale.REPAIRS["phone"]).fault,
            }
        )
    return fresh[:wanted]


def status_tokens(works_orders, key: str, limit: int) -> list[str]:
    """Links customers hold: open jobs and recent collections. The token is an HMAC of the key
    the data set was generated with; only links whose hash the database holds are kept."""
    from django.test import override_settings

    from tickets.models import Status, WorksOrder, status_token_hash

    followed = list(
        works_orders.filter(status__in=[Status.IN_PROGRESS, Status.AWAITING_PARTS, Status.READY])
        .order_by("-created_at")
        .only("shop_id", "number", "status_link_version")[:limit]
    )
    with override_settings(SECRET_KEY=key):
        tokens = [w.status_token for w in followed]
    known = set(
        WorksOrder.objects.all_shops()
        .filter(status_token_hash__in=[status_token_hash(t) for t in tokens])
        .values_list("status_token_hash", flat=True)
    )
    return [t for t in tokens if status_token_hash(t) in known]


def shop_plan(shop, rng: random.Random, intakes: int, token_key: str) -> dict | None:
    import phonenumbers
    from django.db.models import Count

    from customers.models import Customer
    from devices.models import Device
    from shops.models import Branch, Membership, Role
    from tickets.models import OPEN_STATUSES, Status, WorksOrder

    owner = (
        Membership.objects.for_shop(shop)
        .filter(role=Role.OWNER, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if owner is None:
        return None
    works_orders = WorksOrder.objects.for_shop(shop)
    busiest = [
        row["branch"]
        for row in works_orders.filter(status__in=OPEN_STATUSES)
        .values("branch")
        .annotate(n=Count("id"))
        .order_by("-n", "branch")
    ]
    branches = {b.pk: b for b in Branch.objects.for_shop(shop)}
    board = next((b for b in branches.values() if b.code == BIG_BOARD), None)
    board = board or (branches[busiest[0]] if busiest else None)
    if board is None:
        return None
    # Cards on the bench (or paused for parts by an earlier run): each is paused for parts and
    # put back in turn, so the board keeps its cards.
    cards = list(
        works_orders.filter(
            branch=board, status__in=[Status.IN_PROGRESS, Status.AWAITING_PARTS]
        ).values("number", "status")[:MOVE_CARDS]
    )
    numbers = list(works_orders.order_by("?").values_list("number", flat=True)[:DETAIL_SAMPLE])
    customers = list(
        Customer.objects.for_shop(shop)
        .order_by("?")
        .values_list("full_name", "phone")[:SEARCH_SAMPLE]
    )
    imeis = list(
        Device.objects.for_shop(shop)
        .exclude(imei="")
        .order_by("?")
        .values_list("imei", flat=True)[:SEARCH_SAMPLE]
    )
    phones = []
    for _name, phone in customers:
        try:
            parsed = phonenumbers.parse(phone)
        except phonenumbers.NumberParseException:
            continue
        phones.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))
    return {
        "shop": shop.slug,
        "email": owner.user.email,
        "board": board.code,
        "intake_branch": board.pk,
        "cards": cards,
        "numbers": numbers,
        "searches": ([name for name, _ in customers] + phones + imeis + numbers[:SEARCH_SAMPLE]),
        "tokens": status_tokens(works_orders, token_key, STATUS_SAMPLE),
        "intakes": fresh_customers(shop, rng, intakes),
    }


def build(shops: int, intakes_per_shop: int, token_key: str, seed: int = 1) -> dict:
    """The plan for `shops` shops: the big shop (its 300-card board) and the shops with the
    most works orders after it, as the busiest shops are the ones at the counter."""
    from django.db.models import Count

    from shops.models import Shop
    from tickets.models import WorksOrder

    rng = random.Random(seed)
    sizes = (
        WorksOrder.objects.all_shops()
        .values("shop")
        .annotate(n=Count("id"))
        .order_by("-n", "shop")[: shops * 2]
    )
    by_pk = Shop.objects.in_bulk([row["shop"] for row in sizes])
    chosen = [by_pk[row["shop"]] for row in sizes]
    plans = []
    for shop in chosen:
        plan = shop_plan(shop, rng, intakes_per_shop, token_key)
        if plan and plan["cards"] and plan["numbers"] and plan["tokens"]:
            plans.append(plan)
        if len(plans) == shops:
            break
    return {"shops": plans}
