from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

import tenancy
from audit.context import audited_command
from parts.demo import load_demo_stock
from shops.demo import DEMO_PASSWORD, STAFF, load_demo
from tickets.scale import generate_demo_works_orders


class Command(BaseCommand):
    help = "Load the demo shop (once) and print its staff logins."

    @audited_command
    def handle(self, *args, **options) -> None:
        with (
            tenancy.all_shops()
        ):  # the demo shop and its staff: a generator, before any shop is chosen
            self._handle(*args, **options)

    def _handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "The demo shop has well-known passwords; it loads only with DEBUG on."
            )
        shop, created = load_demo()
        if created:  # six weeks of jobs, the last week's open on the board
            generate_demo_works_orders(shop)
        load_demo_stock(shop)  # after the jobs, so some of them hold or wait for parts
        self.stdout.write(
            self.style.SUCCESS(f"{'Loaded' if created else 'Kept'} demo shop “{shop.name}”.")
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, name, role, codes, _ in STAFF:
            self.stdout.write(f"  {role.label:<11} {email:<28} {name} ({', '.join(codes)})")
