"""Importing the same file again changes nothing and says so; exporting gives back the file
the import reads; the import's queries do not grow with the file."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pricebook.csvfile import write
from pricebook.exports import export_rows
from pricebook.models import ImportStatus, OptionPart, PricebookEntry, PriceOption
from pricebook.sample import sample_csv
from pricebook.starter import repair_types_seed
from tests.factories import MembershipFactory, ShopFactory
from tests.pricebook.conftest import import_csv, preview


def snapshot(shop) -> dict:
    return {
        "entries": sorted(
            PricebookEntry.objects.for_shop(shop).values_list(
                "pk", "labour_minutes", "warranty_days", "is_active", "updated_at"
            )
        ),
        "options": sorted(PriceOption.objects.for_shop(shop).values_list("pk", "grade", "price")),
        "parts": sorted(OptionPart.objects.for_shop(shop).values_list("pk", "part_id", "quantity")),
    }


def test_the_same_file_twice_changes_nothing_the_second_time(shop, personas, client_as):
    text = sample_csv(models=12, seed=5)
    rows = text.count("\n") - 1
    first = import_csv(shop, personas.manager, text)
    assert first.status == ImportStatus.APPLIED
    assert first.result["counts"] == {"add": rows, "change": 0, "unchanged": 0, "rejected": 0}
    before = snapshot(shop)

    second = preview(shop, personas.manager, text)

    assert second.preview["counts"] == {"add": 0, "change": 0, "unchanged": rows, "rejected": 0}
    assert not second.preview["has_work"]
    page = client_as(personas.manager).get(reverse("pricebook_import_detail", args=[second.pk]))
    assert "Nothing to change" in page.content.decode()
    assert "Apply:" not in page.content.decode()
    assert snapshot(shop) == before


def test_the_export_is_a_file_the_import_reads_back_unchanged(shop, personas, client_as):
    import_csv(shop, personas.manager, sample_csv(models=6, seed=2))
    response = client_as(personas.manager).get(reverse("pricebook_export"))
    exported = b"".join(response.streaming_content)
    assert response["Content-Type"].startswith("text/csv")

    again = preview(shop, personas.manager, exported)
    counts = again.preview["counts"]
    assert counts["unchanged"] == exported.count(b"\n") - 1
    assert counts["add"] == counts["change"] == counts["rejected"] == 0
    assert "".join(write(export_rows(shop))).encode() == exported


def queries_to_import(text: str) -> tuple[int, int]:
    """Queries for a first import and for the same file again, in a shop of its own."""
    shop = ShopFactory()
    repair_types_seed(shop=shop)
    manager = MembershipFactory(shop=shop, role="manager")
    with CaptureQueriesContext(connection) as first:
        import_csv(shop, manager, text)
    with CaptureQueriesContext(connection) as second:
        import_csv(shop, manager, text)
    return len(first), len(second)


def test_the_import_runs_the_same_queries_for_a_few_rows_as_for_many(personas):
    few = sample_csv(models=4, seed=1)
    many = sample_csv(models=25, seed=1)
    assert many.count("\n") > 4 * few.count("\n")
    assert queries_to_import(many) == queries_to_import(few)
