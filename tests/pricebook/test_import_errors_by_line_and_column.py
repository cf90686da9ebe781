"""A bad cell is reported by its line, its column and its value, with what to write instead;
the rest of the file still goes in."""

from django.urls import reverse

from pricebook.models import ImportStatus, PricebookEntry, PriceOption
from tests.pricebook.conftest import (
    DIAGNOSTIC,
    SCREEN_AFTERMARKET,
    SCREEN_OEM,
    csv_text,
    import_csv,
    preview,
    upload,
)


def problems_by_line(stored) -> dict[int, list[tuple[str, str, str]]]:
    found: dict[int, list] = {}
    for p in stored.preview["problems"]:
        found.setdefault(p["line"], []).append((p["column"], p["value"], p["text"]))
    return found


def test_each_bad_cell_is_reported_with_its_line_column_value_and_what_to_do(shop, personas):
    text = csv_text(
        SCREEN_OEM,  # line 2
        SCREEN_AFTERMARKET | {"price": "12,50"},  # 3
        DIAGNOSTIC | {"grade": "premium"},  # 4
        DIAGNOSTIC | {"repair_type": "Data recovery", "labour_minutes": "an hour"},  # 5
        SCREEN_OEM | {"make": "Nokia", "model": "3310", "category": ""},  # 6
        SCREEN_OEM | {"part_number": "NEW-PART", "part_name": ""},  # 7
        SCREEN_OEM | {"part_number": "IP13-GLUE", "part_name": "Glue", "price": "199.00"},  # 8
        SCREEN_OEM | {"make": ""},  # 9
        SCREEN_AFTERMARKET | {"part_number": "IP13-SCR-OEM"},  # 10: one part, two names
    )
    stored = preview(shop, personas.manager, text)

    problems = problems_by_line(stored)
    assert set(problems) == {3, 4, 5, 6, 7, 8, 9, 10}
    ((column, value, text_3),) = problems[3]
    assert (column, value) == ("price", "12,50")
    assert "decimal point" in text_3
    assert problems[4][0][:2] == ("grade", "premium")
    assert "oem, aftermarket or refurbished" in problems[4][0][2]
    assert problems[5][0][:2] == ("labour_minutes", "an hour")
    assert "whole number" in problems[5][0][2]
    assert problems[6][0][0] == "category"
    assert "Nokia 3310 is new to your device catalogue" in problems[6][0][2]
    assert problems[7][0][0] == "part_name"
    assert "NEW-PART is new to your parts catalogue" in problems[7][0][2]
    assert problems[8][0][:2] == ("price", "199.00")
    assert "differs from line 2 (189.00)" in problems[8][0][2]
    assert problems[9][0][0] == "make"
    assert [p[:2] for p in problems[10]] == [
        ("part_name", "iPhone 13 screen assembly (aftermarket)"),
        ("part_cost", "38.00"),
    ]
    assert "differs from line 2" in problems[10][0][2]
    assert stored.preview["counts"] == {"add": 1, "change": 0, "unchanged": 0, "rejected": 8}


def test_the_preview_page_lists_the_problems_and_applying_takes_the_good_rows(
    shop, personas, client_as
):
    text = csv_text(SCREEN_OEM, SCREEN_AFTERMARKET | {"price": "£1O9.00"}, DIAGNOSTIC)
    client = client_as(personas.manager)
    response = client.post(reverse("pricebook_import"), {"file": upload(text)})
    page = client.get(response["Location"]).content.decode()
    assert "1 problem to fix in the file" in page
    assert "<code>£1O9.00</code>" in page
    assert "Is not an amount; write it with a decimal point: 89.99." in page

    applied = client.post(response["Location"] + "apply/")
    assert applied.status_code == 302
    entries = PricebookEntry.objects.for_shop(shop)
    assert entries.count() == 2
    assert set(PriceOption.objects.for_shop(shop).values_list("grade", flat=True)) == {"oem", ""}


def test_a_file_without_the_needed_columns_is_refused_as_a_whole(shop, personas):
    stored = preview(shop, personas.manager, "make;model;cost\nApple;iPhone 13;12\n")
    assert stored.status == ImportStatus.FAILED
    assert "no column named repair_type, price" in stored.error
    assert not PricebookEntry.objects.for_shop(shop).exists()


def test_a_spreadsheet_workbook_is_refused_with_how_to_save_it_as_csv(shop, personas):
    stored = preview(shop, personas.manager, b"PK\x03\x04 an xlsx file")
    assert stored.status == ImportStatus.FAILED
    assert "Save it as CSV" in stored.error


def test_excel_files_with_semicolons_and_decimal_commas_are_read(shop, personas):
    text = csv_text(SCREEN_OEM | {"price": "189,00", "part_cost": "98,50"}).replace(",", ";")
    text = text.replace("189;00", "189,00").replace("98;50", "98,50")
    stored = import_csv(shop, personas.manager, text.encode("cp1252"))
    assert stored.result["counts"]["add"] == 1
    assert PriceOption.objects.for_shop(shop).get().price == 189


def test_a_comma_inside_a_price_is_one_problem_not_a_dozen(shop, personas):
    text = csv_text(SCREEN_OEM, SCREEN_AFTERMARKET).replace("119.00", "119,00")
    stored = preview(shop, personas.manager, text)
    (problem,) = stored.preview["problems"]
    assert (problem["line"], problem["column"]) == (3, "(the whole row)")
    assert "has 14 cells where the first line names 13 columns" in problem["text"]
    assert "write amounts with a decimal point" in problem["text"]
