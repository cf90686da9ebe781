from django.core.management.base import BaseCommand, CommandError

import tenancy
from devices.catalogue import catalogue_seed
from shops.models import Shop


class Command(BaseCommand):
    help = (
        "Add the starter device catalogue to shops made before it existed (new shops get it "
        "when created). Models a shop already has are left alone; safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--shop", help="Only this shop (its slug); every shop otherwise.")

    def handle(self, *args, shop: str | None = None, **options) -> None:
        with tenancy.all_shops():  # every shop's catalogue, or one shop named by slug
            self._handle(*args, shop=shop, **options)

    def _handle(self, *args, shop: str | None = None, **options) -> None:
        shops = Shop.objects.order_by("pk")
        if shop:
            shops = shops.filter(slug=shop)
            if not shops.exists():
                raise CommandError(f"No shop with the slug “{shop}”.")
        for each in shops:
            added = catalogue_seed(shop=each)
            self.stdout.write(f"{each.name}: {added} model{'s' if added != 1 else ''} added")
