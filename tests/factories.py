import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from stdnum import luhn

from customers.models import Customer
from devices.models import Device, DeviceModel
from parts.models import Part, Supplier, SupplierPart
from shops.models import (
    Branch,
    Invitation,
    Membership,
    MembershipBranch,
    Role,
    Shop,
    TermsVersion,
    User,
)
from tickets.models import WorksOrder


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop
        django_get_or_create = ["slug"]
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Repair Shop {n}")
    slug = factory.Sequence(lambda n: f"shop-{n}")
    terms_text = "Repairs carry a 90-day warranty."

    @factory.post_generation
    def terms(obj, create, extracted, **kwargs):
        if create:
            TermsVersion.objects.get_or_create(
                shop=obj, version=obj.terms_version, defaults={"text": obj.terms_text}
            )


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    shop = factory.SubFactory(ShopFactory)
    code = factory.Sequence(lambda n: "B" + "".join(chr(65 + int(d)) for d in f"{n:03d}"))
    name = factory.Sequence(lambda n: f"Branch {n}")
    address = "1 High Street\nBirmingham B1 1AA"
    phone = "0121 496 0000"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    shop = factory.SubFactory(ShopFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.TECHNICIAN

    @factory.post_generation
    def branches(obj, create, extracted, **kwargs):
        if create and extracted:
            MembershipBranch.objects.bulk_create(
                MembershipBranch(shop=obj.shop, membership=obj, branch=branch)
                for branch in extracted
            )


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    shop = factory.SubFactory(ShopFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.TECHNICIAN
    token_hash = factory.Sequence(lambda n: f"{n:064d}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    shop = factory.SubFactory(ShopFactory)
    full_name = factory.Faker("name", locale="en_GB")
    phone = factory.Sequence(lambda n: f"+44791112{n:04d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.net")


class DeviceModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceModel

    shop = factory.SubFactory(ShopFactory)
    category = "phone"
    make = "Apple"
    name = factory.Sequence(lambda n: f"iPhone {n + 10}")
    tacs = factory.LazyFunction(list)


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Screen assembly {n}")
    part_number = factory.Sequence(lambda n: f"SCR-{n:04d}")
    barcode = factory.Sequence(lambda n: f"50{n:011d}")
    cost = Decimal("40.00")  # no sell price: quoted at cost, as a part without one is


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Parts Wholesale {n}")
    email = factory.Sequence(lambda n: f"orders{n}@supplier.example")
    lead_time_days = 3


class SupplierPartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierPart

    part = factory.SubFactory(PartFactory)
    shop = factory.SelfAttribute("part.shop")
    supplier = factory.SubFactory(SupplierFactory, shop=factory.SelfAttribute("..shop"))
    supplier_sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    cost = Decimal("38.00")


def valid_imei(n: int) -> str:
    """A 15-digit IMEI with a correct Luhn check digit, different for each n."""
    body = f"35{n:012d}"
    return body + luhn.calc_check_digit(body)


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    shop = factory.SubFactory(ShopFactory)
    customer = factory.SubFactory(CustomerFactory, shop=factory.SelfAttribute("..shop"))
    category = "phone"
    make = "Apple"
    model_name = "iPhone 13"
    colour = "Midnight"
    storage = "128 GB"
    imei = factory.Sequence(valid_imei)


class WorksOrderFactory(factory.django.DjangoModelFactory):
    """A works order booked in through the real service, so it is numbered as in the shop."""

    class Meta:
        model = WorksOrder

    branch = None
    customer = None
    device = None
    by = None
    fault_reported = "Screen cracked after a drop; touch works."

    @classmethod
    def _create(
        cls,
        model_class,
        branch,
        by,
        customer=None,
        device=None,
        lines=None,
        consent=None,
        passcode="",
        **details,
    ):
        from tickets.services import LineData, works_order_book_in

        shop = branch.shop
        customer = customer or CustomerFactory(shop=shop)
        device = device or DeviceFactory(shop=shop, customer=customer)
        if lines is None:
            lines = [LineData(description="Screen replacement", unit_price=Decimal("100.00"))]
        return works_order_book_in(
            branch=branch,
            customer=customer,
            device=device,
            by=by,
            details=details,
            lines=[
                LineData(**{**line.__dict__, "unit_price": Decimal(line.unit_price)})
                for line in lines
            ],
            consent=consent,
            passcode=passcode,
        )


class RepairTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pricebook.RepairType"

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Repair {n}")


class PricebookEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pricebook.PricebookEntry"

    shop = factory.SubFactory(ShopFactory)
    device_model = factory.SubFactory(DeviceModelFactory, shop=factory.SelfAttribute("..shop"))
    repair_type = factory.SubFactory(RepairTypeFactory, shop=factory.SelfAttribute("..shop"))
    labour_minutes = 45
    warranty_days = 90


class PriceOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pricebook.PriceOption"

    shop = factory.SubFactory(ShopFactory)
    entry = factory.SubFactory(PricebookEntryFactory, shop=factory.SelfAttribute("..shop"))
    grade = "oem"
    price = Decimal("149.99")


class OptionPartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pricebook.OptionPart"

    shop = factory.SubFactory(ShopFactory)
    option = factory.SubFactory(PriceOptionFactory, shop=factory.SelfAttribute("..shop"))
    part = factory.SubFactory(PartFactory, shop=factory.SelfAttribute("..shop"))
    quantity = 1


class PricebookImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pricebook.PricebookImport"

    shop = factory.SubFactory(ShopFactory)
    filename = "prices.csv"
    file = factory.django.FileField(filename="prices.csv", data=b"make,model,repair_type,price\n")
    rows = 0
    uploaded_by = factory.SubFactory(MembershipFactory, shop=factory.SelfAttribute("..shop"))
