import datetime

import factory
from django.utils import timezone

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
