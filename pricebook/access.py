"""Views load pricebook rows only through these: scoped to the current shop, 404 otherwise."""

from django.shortcuts import get_object_or_404

from pricebook.models import OptionPart, PricebookEntry, PricebookImport, PriceOption
from pricebook.selectors import priced_entries
from shops.access import ShopRequest


def get_entry(request: ShopRequest, entry_id: int) -> PricebookEntry:
    """The entry with its options and parts loaded, as its page shows them."""
    return get_object_or_404(priced_entries(request.shop), pk=entry_id)


def get_option(request: ShopRequest, option_id: int) -> PriceOption:
    options = PriceOption.objects.for_shop(request.shop).select_related("entry", "shop")
    return get_object_or_404(options, pk=option_id)


def get_option_part(request: ShopRequest, option_part_id: int) -> OptionPart:
    uses = OptionPart.objects.for_shop(request.shop).select_related("option", "part")
    return get_object_or_404(uses, pk=option_part_id)


def get_import(request: ShopRequest, import_id: int) -> PricebookImport:
    imports = PricebookImport.objects.for_shop(request.shop).select_related(
        "uploaded_by__user", "applied_by__user"
    )
    return get_object_or_404(imports, pk=import_id)
