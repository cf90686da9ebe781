"""Mail-in reads for other pages' own statements (the customer's status page reads the parcel
in its one query, as it reads billing's invoice)."""

from __future__ import annotations

import datetime

from mailin.models import CUSTOMER_WORDS, Carrier, MailIn, ParcelState

RETURN_STATES = (ParcelState.SENT_BACK.value, ParcelState.DELIVERED.value)


def parcel_sql(*, shop: str, works_order_id: str) -> str:
    """SQL for [carrier, state, state_at, inbound tracking, return tracking] of a works order's
    mail-in (null when it is none); `shop` and `works_order_id` are SQL."""
    return f"""(SELECT json_build_array(m.carrier, m.state, m.state_at, m.inbound_tracking,
                         m.return_tracking)
   FROM {MailIn._meta.db_table} m
  WHERE m.shop_id = {shop} AND m.works_order_id = {works_order_id})"""


def parcel_facts(row: list | None) -> dict | None:
    """What the customer sees of the parcel: where it is and the tracking number that matters."""
    if not row:
        return None
    carrier, state, state_at, inbound, outbound = row
    going_back = state in RETURN_STATES
    return {
        "carrier": dict(Carrier.choices).get(carrier, ""),
        "state": dict(ParcelState.choices).get(state, ""),
        "words": CUSTOMER_WORDS.get(state, ""),
        "since": datetime.datetime.fromisoformat(state_at) if state_at else None,
        "tracking": outbound if going_back else inbound,
        "tracking_label": "Tracking number back to you" if going_back else "Tracking number to us",
    }
