"""The nightly retention sweep: photos and customer messages older than each shop's period.

Set-based and in batches (each batch one statement, its own transaction), so a first run over
years of history neither holds locks for long nor builds one huge transaction; idempotent, so a
beat run twice or late removes nothing twice and catches up on its own."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from notifications.retention import messages_expire
from tickets.retention import photos_expire

BATCH = 1000
MAX_BATCHES = 500  # 500,000 of each per night at most; the next night carries on


@dataclass
class Swept:
    photos: int = 0
    messages: int = 0


def retention_sweep(
    now: datetime.datetime | None = None, *, batch: int = BATCH, max_batches: int = MAX_BATCHES
) -> Swept:
    now = now or timezone.now()
    swept = Swept()
    for _ in range(max_batches):
        gone = photos_expire(now=now, batch=batch)
        swept.photos += gone
        if gone < batch:
            break
    for _ in range(max_batches):
        gone = messages_expire(now=now, batch=batch)
        swept.messages += gone
        if gone < batch:
            break
    return swept
