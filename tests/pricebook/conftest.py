"""Pricebook fixtures: CSV text made from rows, and imports run the way the page runs them."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pricebook import importer
from pricebook.csvfile import COLUMNS
from pricebook.models import PricebookImport
from pricebook.starter import repair_types_seed


def csv_text(*rows: dict, columns: tuple[str, ...] = COLUMNS) -> str:
    """A CSV file with these rows (missing cells empty), header first."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in columns})
    return out.getvalue()


SCREEN_OEM = {
    "category": "phone",
    "make": "Apple",
    "model": "iPhone 13",
    "repair_type": "Screen replacement",
    "grade": "oem",
    "price": "189.00",
    "labour_minutes": "45",
    "warranty_days": "180",
    "active": "yes",
    "part_number": "IP13-SCR-OEM",
    "part_name": "iPhone 13 screen assembly (OEM)",
    "part_cost": "98.50",
    "part_quantity": "1",
}
SCREEN_AFTERMARKET = SCREEN_OEM | {
    "grade": "aftermarket",
    "price": "119.00",
    "part_number": "IP13-SCR-AM",
    "part_name": "iPhone 13 screen assembly (aftermarket)",
    "part_cost": "38.00",
}
DIAGNOSTIC = SCREEN_OEM | {
    "repair_type": "Water damage diagnostic",
    "grade": "",
    "price": "29.00",
    "labour_minutes": "30",
    "warranty_days": "0",
    "part_number": "",
    "part_name": "",
    "part_cost": "",
    "part_quantity": "",
}


@pytest.fixture
def shop(personas):
    repair_types_seed(shop=personas.shop)
    return personas.shop


def upload(text: str | bytes, name: str = "prices.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def preview(shop, member, text: str | bytes) -> PricebookImport:
    """Upload and preview a file, as the import page does for a small one."""
    return importer.import_start(shop=shop, upload=upload(text), by=member)


def import_csv(shop, member, text: str | bytes) -> PricebookImport:
    """Upload, preview and apply a small file, as a manager does on the import page."""
    stored = preview(shop, member, text)
    importer.import_apply_start(upload=stored, by=member)
    stored.refresh_from_db()
    return stored
