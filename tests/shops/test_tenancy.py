"""Tenant rows fail closed: no shop in scope, no rows; another shop's row can't be referenced."""

import datetime

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

from shops.db import constraint_name
from shops.models import Branch, Membership, OpeningHours
from shops.tenancy import ShopOwned, UnscopedQuery

# A secret looked up before any shop is known (the link in an email) is unique by design.
GLOBAL_SECRETS = {
    "Invitation.token_hash",
    "WorksOrder.status_token_hash",
    "ApiKey.prefix",  # what a key sent from outside names its shop by
    "WebhookEvent.event_id",  # a random UUID receivers dedupe on, across every shop
}


def tenant_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, ShopOwned)]


def test_a_query_without_a_shop_raises_instead_of_returning_every_shop(personas):
    with pytest.raises(UnscopedQuery):
        list(Branch.objects.all())
    with pytest.raises(UnscopedQuery):
        Branch.objects.filter(code="BHM").exists()
    with pytest.raises(UnscopedQuery):
        Membership.objects.count()
    with pytest.raises(UnscopedQuery):
        Branch.objects.filter(is_active=True).update(is_active=False)
    with pytest.raises(UnscopedQuery):
        Branch.objects.get(code="BHM")


def test_scoped_queries_see_only_their_shop(personas):
    codes = set(Branch.objects.for_shop(personas.shop).values_list("code", flat=True))
    assert codes == {"BHM", "COV"}
    assert Branch.objects.filter(shop=personas.outsider.shop).get().code == "GHX"
    assert Branch.objects.all_shops().count() == 3  # said out loud, so allowed


def test_a_related_manager_is_scoped_by_its_parent(personas):
    hours = OpeningHours.objects.create(
        shop=personas.shop,
        branch=personas.branch,
        weekday=0,
        opens=datetime.time(9),
        closes=datetime.time(17),
    )
    assert list(personas.branch.opening_hours.all()) == [hours]
    assert set(personas.owner.branches.all()) == {personas.branch, personas.other_branch}


def test_the_database_refuses_a_row_pointing_at_another_shops_branch(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningHours.objects.create(
            shop=personas.shop,
            branch=personas.outsider.branches.first(),
            weekday=1,
            opens=datetime.time(9),
            closes=datetime.time(17),
        )
        connection.check_constraints()


def test_every_link_between_tenant_tables_is_kept_inside_one_shop(db):
    """Grows with the app: each new foreign key between tenant models needs SameShopForeignKey."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'f'")
        existing = {row[0] for row in cursor.fetchall()}
    missing = [
        f"{model.__name__}.{field.name}"
        for model in tenant_models()
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.name != "shop"
        and issubclass(field.related_model, ShopOwned)
        and constraint_name(model._meta.db_table, field.column) not in existing
    ]
    assert not missing, f"add SameShopForeignKey migrations for {missing}"


def test_every_unique_rule_on_a_tenant_table_includes_the_shop(db):
    """Grows with the app: uniqueness is always per shop (numbers, codes, emails)."""
    offenders = []
    for model in tenant_models():
        for field in model._meta.concrete_fields:
            label = f"{model.__name__}.{field.name}"
            # A one-to-one to a row of the same shop (kept so by its same-shop key) is per shop.
            per_parent = field.one_to_one and issubclass(field.related_model, ShopOwned)
            if (
                field.unique
                and not field.primary_key
                and not per_parent
                and label not in GLOBAL_SECRETS
            ):
                offenders.append(f"{label} is unique across all shops")
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                names = set(constraint.fields) | {
                    getattr(e, "name", None) for e in constraint.expressions
                }
                secret = constraint.fields and all(
                    f"{model.__name__}.{name}" in GLOBAL_SECRETS for name in constraint.fields
                )
                if "shop" not in names and not secret:
                    offenders.append(f"{model.__name__}: {constraint.name}")
    assert not offenders, offenders
