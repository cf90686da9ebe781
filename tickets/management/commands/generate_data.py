"""manage.py generate_data: realistic shops and works orders at scale (see tickets/scale.py)."""

from __future__ import annotations

import os
import random
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

import tenancy
from audit.context import audited_command
from shops.models import Shop
from tickets import scale


class Command(BaseCommand):
    help = (
        "Generate realistic data at scale: --shops N new shops with --works-orders M works "
        "orders between them, or --into-shop SLUG to add M works orders to an existing shop."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shops", type=int, default=0, help="new shops to create")
        parser.add_argument("--works-orders", type=int, required=True, help="works orders in all")
        parser.add_argument("--seed", type=int, help="same seed, same data (default: random)")
        parser.add_argument("--into-shop", metavar="SLUG", help="add to this existing shop")
        parser.add_argument(
            "--branch",
            metavar="CODE",
            help="with --into-shop: only this branch (created, with staff, if missing)",
        )
        parser.add_argument(
            "--open-only",
            action="store_true",
            help="with --into-shop: every works order still open, booked in the last fortnight",
        )
        parser.add_argument(
            "--keep-triggers",
            action="store_true",
            help=(
                "let the database's foreign-key triggers check each row (about twice as slow) "
                "instead of one set-based check per foreign key and batch"
            ),
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="worker processes for --shops (default: up to 2)",
        )

    @audited_command
    def handle(self, *args, **options) -> None:
        with tenancy.all_shops():  # the data generator writes many shops' rows
            self._handle(*args, **options)

    def _handle(self, *args, **options) -> None:
        shops, count = options["shops"], options["works_orders"]
        slug = options["into_shop"]
        if bool(shops) == bool(slug):
            raise CommandError("Give either --shops N or --into-shop SLUG.")
        if count < 0 or shops < 0:
            raise CommandError("Counts cannot be negative.")
        if (options["branch"] or options["open_only"]) and not slug:
            raise CommandError("--branch and --open-only go with --into-shop.")
        seed = options["seed"] if options["seed"] is not None else random.randrange(1_000_000)
        database = connection.settings_dict["NAME"]
        self.stdout.write(f"Writing with COPY; {scale.check_mode(options['keep_triggers'])}.")
        started = time.monotonic()
        reporter = scale.Reporter(self.stdout.write, count)
        if slug:
            shop = Shop.objects.filter(slug=slug).first()
            if shop is None:
                raise CommandError(f"No shop with the slug “{slug}”.")
            self.stdout.write(
                f"Adding {count:,} works orders to {shop.name} ({database}), seed {seed}"
            )
            progress = scale.fill_shop(
                shop,
                count,
                seed=seed,
                existing=True,
                branch_code=options["branch"],
                open_only=options["open_only"],
                progress=scale.Progress(report=reporter),
                keep_triggers=options["keep_triggers"],
            )
        else:
            jobs = max(1, options["jobs"])
            self.stdout.write(
                f"Generating {shops:,} shops with {count:,} works orders ({database}), "
                f"seed {seed}, {jobs} worker{'s' if jobs > 1 else ''}"
            )
            progress = scale.generate(
                shops=shops,
                works_orders=count,
                seed=seed,
                jobs=jobs,
                report=reporter,
                keep_triggers=options["keep_triggers"],
            )
        lines = scale.summary(progress, max(time.monotonic() - started, 1e-6))
        self.stdout.write(self.style.SUCCESS(lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)
        if shops:
            self.stdout.write(f"Staff sign in with the password “{scale.DEMO_PASSWORD}”.")
