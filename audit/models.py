"""The audit trail: one row per change to a tracked row, written by the database itself.

Triggers installed by the migrations (see audit.tracked) write these rows; nothing in Python
does. The table is sealed: an UPDATE or DELETE is refused by the database.
"""

from django.db import models

from shops.tenancy import ShopOwned


class Kind(models.TextChoices):
    PRICES = "prices", "Prices"
    SETTINGS = "settings", "Shop settings"
    STAFF = "staff", "Roles and staff"
    STOCK = "stock", "Stock adjustments"
    APPROVALS = "approvals", "Approvals and QC"
    INVOICES = "invoices", "Invoices and payments"


class Action(models.TextChoices):
    INSERT = "insert", "Added"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Removed"


class Change(ShopOwned):
    """One INSERT, UPDATE or DELETE of a tracked row: who, when, from where, before and after."""

    # No database key to the shop or the member: the trail outlives what it describes, and a
    # cascade would only be refused by the seal. No index of its own either: every index below
    # begins with the shop, and each is one more to write for every change recorded.
    shop = models.ForeignKey(
        "shops.Shop",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    at = models.DateTimeField(db_default=models.functions.Now())
    kind = models.CharField(max_length=12, choices=Kind.choices)
    table_name = models.CharField(max_length=63)
    object_id = models.BigIntegerField()
    works_order_id = models.BigIntegerField(null=True)  # for the works order's own history
    action = models.CharField(max_length=6, choices=Action.choices)
    before = models.JSONField(default=dict)  # changed columns only, for an update
    after = models.JSONField(default=dict)
    # The member's id, not a key: the trail outlives memberships, and keys to members are
    # same-shop keys elsewhere (a trigger cannot be asked to check one).
    actor_member_id = models.BigIntegerField(null=True)
    actor = models.CharField(max_length=150, blank=True)  # the name then, or "system", …
    source = models.CharField(max_length=300, blank=True)  # the URL, task or command

    class Meta:
        indexes = [
            models.Index(fields=["shop", "-at", "-id"], name="audit_change_shop_at"),
            models.Index(fields=["shop", "kind", "-at", "-id"], name="audit_change_kind_at"),
            models.Index(
                fields=["shop", "actor_member_id", "-at", "-id"], name="audit_change_member_at"
            ),
            models.Index(
                fields=["shop", "table_name", "object_id", "-at", "-id"],
                name="audit_change_object_at",
            ),
            models.Index(
                fields=["shop", "works_order_id", "-at", "-id"],
                name="audit_change_order_at",
                condition=models.Q(works_order_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.table_name} #{self.object_id}"
