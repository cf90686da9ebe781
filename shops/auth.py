"""Who is asking: the signed-in user and the shops they work in, read in one query per request.

Django's backend loads the user, and the shop middleware then loads their memberships: two
queries, compiled by the ORM on every request, before any page starts its own work. Every
page pays that, and the board's "changed?" poll pays little else. Here one hand-written
query reads the user with their active memberships and shops, and the rows become model
instances directly, so nothing is cached across requests: a deactivated membership still stops
working on the next click.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from shops.models import Membership, Shop, User


def _columns(model, alias: str) -> tuple[list[str], str]:
    fields = model._meta.concrete_fields
    return [f.attname for f in fields], ", ".join(f'{alias}."{f.column}"' for f in fields)


@cache
def _query() -> tuple[str, list[str], list[str], list[str]]:
    user_fields, user_sql = _columns(User, "u")
    member_fields, member_sql = _columns(Membership, "m")
    shop_fields, shop_sql = _columns(Shop, "s")
    sql = (
        f"SELECT {user_sql}, {member_sql}, {shop_sql} FROM {User._meta.db_table} u "
        f"LEFT JOIN ({Membership._meta.db_table} m JOIN {Shop._meta.db_table} s "
        "ON s.id = m.shop_id) ON m.user_id = u.id AND m.is_active "
        "WHERE u.id = %s ORDER BY s.name, s.id"
    )
    return sql, user_fields, member_fields, shop_fields


def _instance(model, field_names: list[str], values: tuple):
    converted = []
    for field, value in zip(model._meta.concrete_fields, values, strict=True):
        if value is not None and hasattr(field, "from_db_value"):
            value = field.from_db_value(value, None, connection)
        converted.append(value)
    return model.from_db(connection.alias, field_names, converted)


def user_with_memberships(user_id: int) -> tuple[User | None, list[Membership]]:
    """The user, and their active memberships by shop name, each with `shop` and `user` set."""
    sql, user_fields, member_fields, shop_fields = _query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        rows = cursor.fetchall()
    if not rows:
        return None, []
    first_member, first_shop = len(user_fields), len(user_fields) + len(member_fields)
    user = _instance(User, user_fields, rows[0][:first_member])
    memberships = []
    for row in rows:
        if row[first_member] is None:  # the LEFT JOIN found no active membership
            continue
        member = _instance(Membership, member_fields, row[first_member:first_shop])
        member.user, member.shop = user, _instance(Shop, shop_fields, row[first_shop:])
        memberships.append(member)
    return user, memberships


class MemberBackend(ModelBackend):
    """Django's model backend, loading the user's memberships along with the user."""

    def get_user(self, user_id):
        user, memberships = user_with_memberships(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        user.active_memberships = memberships
        return user
