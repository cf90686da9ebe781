"""The import reads its file as a stream, chunk by chunk, and decides the encoding as the whole
file says: what it reads is what it would read from the file held whole."""

import io

import pytest

from pricebook import csvfile
from pricebook.models import PricebookEntry
from tests.pricebook.conftest import DIAGNOSTIC, SCREEN_OEM, csv_text, import_csv


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(csvfile, "CHUNK", 7)  # chunk edges fall inside characters and rows


def read(data: bytes) -> list[tuple]:
    result = csvfile.read(io.BytesIO(data))
    assert not result.problems and not result.file_problems
    return [(row.line, row.make, row.model, row.part_name, row.price) for row in result.rows]


def test_a_stream_reads_as_the_bytes_do(tiny_chunks):
    data = csv_text(*[SCREEN_OEM | {"model": f"iPhone {n}"} for n in range(1, 40)]).encode()
    assert read(data) == [
        (row.line, row.make, row.model, row.part_name, row.price) for row in csvfile.read(data).rows
    ]


def test_a_character_split_between_chunks_is_still_utf8(tiny_chunks):
    data = csv_text(SCREEN_OEM | {"part_name": "Écran « OEM » — 13"}).encode()
    assert read(data)[0][3] == "Écran « OEM » — 13"


def test_a_windows_1252_byte_far_into_the_file_makes_it_all_windows_1252(tiny_chunks):
    rows = [SCREEN_OEM | {"model": f"iPhone {n}"} for n in range(1, 30)]
    rows.append(DIAGNOSTIC | {"repair_type": "Data recovery £"})
    data = csv_text(*rows).encode("cp1252")
    result = csvfile.read(io.BytesIO(data))
    assert result.rows[-1].repair_type == "Data recovery £"


def test_an_import_applied_from_the_stored_file_reads_it_whole(shop, personas):
    rows = [SCREEN_OEM | {"model": f"iPhone {n}"} for n in range(1, 60)]
    stored = import_csv(shop, personas.manager, csv_text(*rows))
    assert stored.rows == 59
    assert stored.result["counts"]["add"] == 59
    assert PricebookEntry.objects.for_shop(shop).count() == 59


GROWN = ("devices_devicemodel", "parts_part", "pricebook_pricebookentry", "pricebook_priceoption")


def _times_analyzed() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # the counts as they are now
        cursor.execute(
            "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [list(GROWN)],
        )
        return dict(cursor.fetchall())


def test_a_big_import_refreshes_the_statistics_of_what_it_grew(shop, personas, monkeypatch):
    # As the app's role (make test logs in as it), which owns no table: the statistics are
    # refreshed all the same, through pricebook_import_analyze, so the commit checks the new
    # rows' keys with plans that know of them.
    from pricebook import importer

    monkeypatch.setattr(importer, "ANALYZE_AFTER", 2)  # "big": two rows of a table
    before = _times_analyzed()
    rows = [SCREEN_OEM | {"model": f"iPhone {n}", "part_number": f"IP{n}"} for n in range(1, 4)]
    stored = import_csv(shop, personas.manager, csv_text(*rows))
    assert stored.result["counts"]["add"] == 3
    after = _times_analyzed()
    assert {table: after[table] - before.get(table, 0) for table in GROWN} == dict.fromkeys(
        GROWN, 1
    )


def test_the_import_may_analyze_its_own_tables_only(shop):
    from django.db import DatabaseError, connection, transaction

    refused = pytest.raises(DatabaseError, match="not a table the import grows")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pricebook_import_analyze(%s)", [["shops_user"]])
