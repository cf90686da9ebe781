"""Warranty comebacks, invoices and payments for data made by `generate_data`, set-based."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

import tenancy
from audit.context import audited_command
from billing.scale import billing_backfill
from shops.models import Shop
from tickets.scale_comebacks import comeback_backfill


class Command(BaseCommand):
    help = (
        "Book warranty returns of a few % of the collected jobs, then invoice every collected "
        "job that has no invoice and record its payment (every shop, or --shop SLUG). Jobs "
        "already invoiced or already come back are left alone: running it again adds nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--shop", help="only this shop (its slug)")

    @audited_command
    def handle(self, *args, **options) -> None:
        with tenancy.all_shops():  # every shop's collected jobs, or one shop named by slug
            self._handle(*args, **options)

    def _handle(self, *args, **options) -> None:
        shop_id = None
        if options["shop"]:
            shop = Shop.objects.filter(slug=options["shop"]).first()
            if shop is None:
                raise CommandError(f"No shop with the slug “{options['shop']}”.")
            shop_id = shop.pk
        started = time.monotonic()
        returns = comeback_backfill(shop_id=shop_id)
        written = billing_backfill(shop_id=shop_id)
        took = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{returns:,} warranty returns, {written['invoices']:,} invoices with "
                f"{written['lines']:,} lines, {written['payments']:,} payments in {took:.1f} s."
            )
        )
