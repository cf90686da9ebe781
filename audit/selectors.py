"""The audit page's reads: one indexed page of changes (keyset, never OFFSET or COUNT), then each
change put in the shop's words, with a few look-ups per page (not per row) for names and links."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst

from audit.forms import Filters, cursor_of
from audit.models import Change
from audit.tracked import TABLES
from shops.models import Shop
from shops.money import format_money

PER_PAGE = 50
MONEY = {
    "price",
    "unit_price",
    "listed_price",
    "final_price",
    "amount",
    "net",
    "vat",
    "gross",
    "tendered",
    "change_given",
    "unit_cost",
    "quote_net",
    "quote_gross",
    "previous_gross",
    "new_gross",
}
NOTHING = "—"
KEYSET = "(audit_change.at, audit_change.id) < (%s, %s)"


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    change: Change
    who: str
    what: str  # the object, in words
    url: str | None
    kind: str
    fields: list[FieldChange] = field(default_factory=list)
    object_key: str = ""  # for "this object's history"


@dataclass
class Page:
    entries: list[Entry]
    older: str | None  # the cursor of the next (older) page


def changes(shop: Shop, filters: Filters) -> models.QuerySet[Change]:
    rows = Change.objects.for_shop(shop)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.member_id:
        rows = rows.filter(actor_member_id=filters.member_id)
    if filters.since:
        rows = rows.filter(at__gte=filters.since)
    if filters.until:
        rows = rows.filter(at__lt=filters.until)
    if filters.works_order_id:
        rows = rows.filter(works_order_id=filters.works_order_id)
    if filters.table_name:
        rows = rows.filter(table_name=filters.table_name, object_id=filters.object_id)
    if filters.before:
        # A row comparison, which the (…, at, id) indexes answer by a range scan.
        rows = rows.extra(
            where=["(audit_change.at, audit_change.id) < (%s, %s)"], params=filters.before
        )
    return rows.order_by("-at", "-id")


def audit_page(shop: Shop, filters: Filters) -> Page:
    """One page of changes, newest first, each described."""
    rows = list(changes(shop, filters)[: PER_PAGE + 1])
    older = (
        cursor_of(rows[PER_PAGE - 1].at, rows[PER_PAGE - 1].pk) if len(rows) > PER_PAGE else None
    )
    rows = rows[:PER_PAGE]
    return Page(entries=describe(shop, rows), older=older)


def _model(table: str) -> type[models.Model] | None:
    tracked = TABLES.get(table)
    return apps.get_model(tracked.model) if tracked else None


def describe(shop: Shop, rows: list[Change]) -> list[Entry]:
    members, branches, numbers, objects = _lookups(shop, rows)
    entries = []
    for change in rows:
        model = _model(change.table_name)
        obj = objects.get(change.table_name, {}).get(change.object_id)
        what, url = _what(change, model, obj, numbers)
        member = members.get(change.actor_member_id)
        entry = Entry(
            change=change,
            who=member or change.actor or "system",
            what=what,
            url=url,
            kind=change.get_kind_display(),
            object_key=f"{change.table_name}:{change.object_id}",
        )
        if model is not None:
            columns = {f.column: f for f in model._meta.concrete_fields}
            for column in sorted({*change.before, *change.after}, key=_order(columns)):
                model_field = columns.get(column)
                label = capfirst(model_field.verbose_name) if model_field else column
                show = _shower(shop, model_field, column, members, branches)
                entry.fields.append(
                    FieldChange(
                        label=str(label),
                        before=show(change.before[column]) if column in change.before else "",
                        after=show(change.after[column]) if column in change.after else "",
                    )
                )
        entries.append(entry)
    return entries


def _order(columns: dict):
    names = list(columns)
    return lambda column: names.index(column) if column in names else len(names)


def _lookups(shop: Shop, rows: list[Change]):
    """Names for the members and branches the changes mention, works-order numbers, and the
    tracked objects still there: one query each, whatever the page holds."""
    member_ids = {c.actor_member_id for c in rows if c.actor_member_id}
    branch_ids = set()
    order_ids = {c.works_order_id for c in rows if c.works_order_id}
    by_table = defaultdict(set)
    for change in rows:
        by_table[change.table_name].add(change.object_id)
        for values in (change.before, change.after):
            for column, value in values.items():
                if isinstance(value, int) and column.endswith("_id"):
                    if column in ("branch_id",):
                        branch_ids.add(value)
                    elif column in MEMBER_COLUMNS:
                        member_ids.add(value)
    membership = apps.get_model("shops", "Membership")
    members = (
        {
            m.pk: m.user.full_name
            for m in membership.objects.for_shop(shop)
            .filter(pk__in=member_ids)
            .select_related("user")
        }
        if member_ids
        else {}
    )
    branch_model = apps.get_model("shops", "Branch")
    branches = (
        {b.pk: b.name for b in branch_model.objects.for_shop(shop).filter(pk__in=branch_ids)}
        if branch_ids
        else {}
    )
    works_orders = apps.get_model("tickets", "WorksOrder")
    numbers = (
        dict(
            works_orders.objects.for_shop(shop).filter(pk__in=order_ids).values_list("pk", "number")
        )
        if order_ids
        else {}
    )
    objects: dict[str, dict[int, models.Model]] = {}
    for table, ids in by_table.items():
        if table in ("tickets_worksorder", "shops_shop") or table not in TABLES:
            continue  # named by number / by the shop
        if table in WORKS_ORDER_CHILDREN:
            continue  # named by their works order's number
        model = _model(table)
        queryset = model.objects.filter(shop_id=shop.pk, pk__in=ids)
        objects[table] = {o.pk: o for o in queryset.select_related(*TABLES[table].related)}
    return members, branches, numbers, objects


MEMBER_COLUMNS = {
    "qc_signed_by_id",
    "decided_by_id",
    "requested_by_id",
    "recorded_by_id",
    "issued_by_id",
    "taken_by_id",
    "granted_by_id",
    "invited_by_id",
    "membership_id",
    "by_id",
}
WORKS_ORDER_CHILDREN = {
    "tickets_quoteline",
    "tickets_consent",
    "tickets_approval",
    "billing_invoice",
    "billing_payment",
    "billing_paymentexemption",
}


def _what(change: Change, model, obj, numbers: dict[int, str]) -> tuple[str, str | None]:
    name = capfirst(model._meta.verbose_name) if model else change.table_name
    table = change.table_name
    if change.works_order_id:
        number = numbers.get(change.works_order_id)
        if number:
            url = reverse("works_order_detail", args=[number])
            return (number if table == "tickets_worksorder" else f"{name} on {number}"), url
    if table == "shops_shop":
        return "Shop settings", reverse("shop_settings")
    if table == "tickets_slatarget":
        return "SLA targets", reverse("sla_settings")
    if table == "shops_termsversion":
        return "Terms and conditions", reverse("shop_settings")
    if obj is None:
        return f"{name} #{change.object_id} (since removed)", None
    if table == "pricebook_priceoption":
        entry = obj.entry
        return (
            f"{entry.device_model.name} · {entry.repair_type.name} · {obj.grade_label}",
            reverse("pricebook_entry", args=[entry.pk]),
        )
    if table == "pricebook_pricebookentry":
        return (
            f"{obj.device_model.name} · {obj.repair_type.name}",
            reverse("pricebook_entry", args=[obj.pk]),
        )
    if table == "pricebook_optionpart":
        entry = obj.option.entry
        return (
            f"{obj.part.name} in {entry.device_model.name} · {entry.repair_type.name}",
            reverse("pricebook_entry", args=[entry.pk]),
        )
    if table == "shops_branch":
        return f"Branch {obj.name}", reverse("branch_edit", args=[obj.code])
    if table in ("shops_openinghours", "shops_closeddate"):
        return f"{name} of {obj.branch.name}", reverse("branch_edit", args=[obj.branch.code])
    if table == "shops_membership":
        return obj.user.full_name, reverse("staff_edit", args=[obj.pk])
    if table == "shops_membershipbranch":
        return (
            f"{obj.membership.user.full_name} at {obj.branch.name}",
            reverse("staff_edit", args=[obj.membership_id]),
        )
    if table == "shops_invitation":
        return f"Invitation to {obj.email}", reverse("staff_list")
    if table == "api_apikey":
        return f"API key ‘{obj.name}’", reverse("api_keys")
    if table == "api_webhookendpoint":
        return f"Webhook to {obj.url}", reverse("webhook_edit", args=[obj.pk])
    if table in ("parts_stockmovement", "parts_stocklevel"):
        return f"{obj.part.name} at {obj.branch.name}", reverse("part_detail", args=[obj.part_id])
    return f"{name} #{change.object_id}", None


def _shower(shop: Shop, model_field, column: str, members: dict, branches: dict):
    """How to show one column's stored (JSON) value in the shop's words."""

    def show(value) -> str:
        if value is None or value == "":
            return NOTHING
        if column in MEMBER_COLUMNS:
            return members.get(value, f"staff member #{value}")
        if column == "branch_id":
            return branches.get(value, f"branch #{value}")
        if model_field is None:
            return _plain(value)
        if isinstance(model_field, models.BooleanField):
            return "yes" if value else "no"
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        base = getattr(model_field, "base_field", None)
        if base is not None and isinstance(value, list):
            labels = dict(base.flatchoices) if base.choices else {}
            return ", ".join(str(labels.get(item, item)) for item in value) or NOTHING
        if isinstance(model_field, models.DecimalField):
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                return _plain(value)
            if column in MONEY:
                return format_money(amount, shop.currency)
            if column.endswith(("rate", "percent", "threshold")) or "margin" in column:
                return f"{amount.normalize():f} %"
            return f"{amount:f}"
        if isinstance(model_field, models.DateTimeField):
            try:
                moment = datetime.datetime.fromisoformat(value)
            except (TypeError, ValueError):
                return _plain(value)
            return formats.date_format(timezone.localtime(moment), "j M Y, H:i")
        if isinstance(model_field, models.DateField):
            try:
                return formats.date_format(datetime.date.fromisoformat(value), "j M Y")
            except (TypeError, ValueError):
                return _plain(value)
        if isinstance(model_field, models.TimeField):
            return str(value)[:5]
        if isinstance(model_field, models.ForeignKey):
            return f"#{value}"
        if isinstance(model_field, models.JSONField) and isinstance(value, dict):
            return _checks(value)
        return _plain(value)

    return show


def _checks(value: dict) -> str:
    """A QC checklist ({item: {ok, note}}) as "item ✓, item ✗"."""
    parts = []
    for item, result in value.items():
        ok = result.get("ok") if isinstance(result, dict) else result
        parts.append(f"{item} {'✓' if ok else '✗'}")
    return ", ".join(parts) or NOTHING


def _plain(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else f"{text[:300]}…"
