"""Tenant-owned rows: every query names its shop, or it fails.

A query on a tenant model that was never scoped to a shop raises `UnscopedQuery`
when it touches the database, instead of quietly returning every shop's rows.
A queryset is scoped by `.for_shop(shop)`, by a filter on `shop`/`shop_id`, or by
being a related manager of an object that itself belongs to a shop. Code that
really means "all shops" (a Celery sweep, the superuser admin) says so with
`.all_shops()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast

if TYPE_CHECKING:
    from shops.models import Shop


class UnscopedQuery(Exception):
    """A tenant query reached the database without a shop."""


_SCOPING_LOOKUPS = {"shop", "shop_id", "shop__pk", "shop__id"}


class ShopScopedQuerySet(models.QuerySet):
    _shop_scoped = False

    def for_shop(self, shop: Shop | int) -> ShopScopedQuerySet:
        return self.filter(shop_id=self._shop_id(shop))

    def for_shop_in_gin(self, shop: Shop | int) -> ShopScopedQuerySet:
        """for_shop() for a search a GIN index with the shop in it should serve (btree_gin's
        `int8_ops` column: the customers' name trigrams, the device models' TACs): the shop's
        id is sent as a bigint. psycopg sends a small int as a smallint, and a GIN column of
        bigints is searched with bigints only: compared with a smallint, the shop is left out of
        the index scan and every shop's matches are read and filtered (the big shop's "Smith":
        6,096 customers read where 1,418 are its own; 24 → 10 ms)."""
        shop_id = Cast(Value(self._shop_id(shop)), models.BigIntegerField())
        return self.filter(shop_id=shop_id)

    def _shop_id(self, shop: Shop | int) -> int:
        shop_id = shop if isinstance(shop, int) else shop.pk
        if shop_id is None:
            raise UnscopedQuery(f"{self.model.__name__}: for_shop() needs a saved shop")
        return shop_id

    def all_shops(self) -> ShopScopedQuerySet:
        """Deliberately cross-shop: for sweeps and the superuser admin only."""
        clone = self._chain()
        clone._shop_scoped = True
        return clone

    def filter(self, *args: Any, **kwargs: Any) -> ShopScopedQuerySet:
        clone = super().filter(*args, **kwargs)
        if any(key in _SCOPING_LOOKUPS and value is not None for key, value in kwargs.items()):
            clone._shop_scoped = True
        return clone

    def _clone(self) -> ShopScopedQuerySet:
        clone = super()._clone()
        clone._shop_scoped = self._shop_scoped
        return clone

    def _check_scoped(self) -> None:
        if not self._shop_scoped:
            raise UnscopedQuery(
                f"{self.model.__name__} was queried without a shop; "
                "use .for_shop(shop) (or .all_shops() for a deliberate cross-shop sweep)"
            )

    # Every road to the database passes one of these.
    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._check_scoped()
        super()._fetch_all()

    def iterator(self, *args: Any, **kwargs: Any):
        self._check_scoped()
        return super().iterator(*args, **kwargs)

    def count(self) -> int:
        if self._result_cache is None:
            self._check_scoped()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._check_scoped()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict:
        self._check_scoped()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._check_scoped()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check_scoped()
        return super().delete()

    def in_bulk(self, *args: Any, **kwargs: Any) -> dict:
        self._check_scoped()
        return super().in_bulk(*args, **kwargs)


class ShopScopedManager(models.Manager.from_queryset(ShopScopedQuerySet)):
    def get_queryset(self) -> ShopScopedQuerySet:
        queryset = super().get_queryset()
        # A related manager (customer.devices, shop.branches) is scoped by the object it hangs off.
        instance = getattr(self, "instance", None)
        if instance is not None:
            shop_id = instance.pk if instance._meta.label == "shops.Shop" else instance.shop_id
            queryset = queryset.filter(shop_id=shop_id)
        return queryset


def shop_kept_by_parent() -> models.ForeignKey:
    """ShopOwned's `shop` for a row whose same-shop key to its parent, (shop_id, parent_id) ->
    (shop_id, id), is never empty: the parent's own shop key already says the shop exists, so
    the row's is not checked a second time (bulk writes: a pricebook import adds 90,000 rows)."""
    return models.ForeignKey(
        "shops.Shop", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )


class ShopOwned(models.Model):
    """Base for every row that belongs to one shop."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.CASCADE, related_name="+")

    objects = ShopScopedManager()

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None) -> None:
        # The shop is set by the code, never typed: validating it would only ask the database
        # whether the shop exists, once per form. (Unique checks still include it.)
        super().clean_fields(exclude={*(exclude or ()), "shop"})
