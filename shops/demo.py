"""The demo shop `make run` loads: a two-branch repair business with one of each role."""

from django.db import transaction

from devices.catalogue import catalogue_seed
from pricebook.demo import demo_pricebook_load
from pricebook.starter import repair_types_seed
from shops import services
from shops.models import Branch, ClosedDate, Membership, Role, Shop, Skill, User

DEMO_SLUG = "fix-corner"
DEMO_PASSWORD = "benchdesk-demo"

TERMS = """1. We test your device on intake and note any existing damage on this works order.
2. Quotes are valid for 14 days. Work beyond the agreed quote needs your approval first.
3. Repairs carry a 90-day warranty on the parts and labour we supplied. Liquid damage is excluded.
4. Back up your data: we are not liable for data loss during repair.
5. Devices not collected within 90 days of our "ready" message may be disposed of to cover costs."""

STAFF = [
    ("owner@fixcorner.example", "Priya Shah", Role.OWNER, ["BHM", "COV"], []),
    ("manager@fixcorner.example", "Tom Fletcher", Role.MANAGER, ["BHM", "COV"], []),
    ("desk@fixcorner.example", "Amira Haddad", Role.FRONT_DESK, ["BHM"], []),
    (
        "jack@fixcorner.example",
        "Jack Morgan",
        Role.TECHNICIAN,
        ["BHM"],
        [Skill.PHONES, Skill.TABLETS, Skill.MICRO_SOLDERING],
    ),
    (
        "sofia@fixcorner.example",
        "Sofia Kowalski",
        Role.TECHNICIAN,
        ["BHM", "COV"],
        [Skill.LAPTOPS, Skill.CONSOLES, Skill.DATA_RECOVERY],
    ),
]


@transaction.atomic
def load_demo() -> tuple[Shop, bool]:
    """Create the demo shop unless it exists; returns (shop, created)."""
    existing = Shop.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        # Demo databases made before the catalogue and the pricebook existed.
        catalogue_seed(shop=existing)
        repair_types_seed(shop=existing)
        demo_pricebook_load(shop=existing)
        return existing, False
    users = {
        email: User.objects.create_user(email, DEMO_PASSWORD, full_name=name)
        for email, name, *_ in STAFF
    }
    shop = services.shop_create(
        name="Fix Corner Repairs",
        slug=DEMO_SLUG,
        owner=users[STAFF[0][0]],
        vat_number="GB 123 4567 89",
        terms_text=TERMS,
    )
    branches = {
        "BHM": Branch(
            shop=shop,
            code="BHM",
            name="Birmingham New Street",
            address="12 Stephenson Street\nBirmingham B2 4BH",
            phone="0121 496 0123",
        ),
        "COV": Branch(
            shop=shop,
            code="COV",
            name="Coventry Hertford Street",
            address="8 Hertford Street\nCoventry CV1 1LF",
            phone="024 7699 0456",
        ),
    }
    for branch in branches.values():
        services.branch_create(branch=branch)
    ClosedDate.objects.create(
        shop=shop, branch=branches["COV"], date="2026-12-25", reason="Christmas Day"
    )
    for email, _, role, codes, skills in STAFF:
        member, _ = Membership.objects.for_shop(shop).get_or_create(
            user=users[email], defaults={"shop": shop, "role": role}
        )
        services.membership_update(
            member=member,
            role=role,
            branches=[branches[c] for c in codes],
            skills=list(skills),
            by=Membership.objects.for_shop(shop).get(role=Role.OWNER),
        )
    demo_pricebook_load(shop=shop)
    return shop, True
