"""Backup and restore: every table comes back with the same rows, and the media files too."""

from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg.conninfo import make_conninfo

from scripts import backup as backups
from tests.backup_fill import fill_every_table

RESTORED = "benchdesk_restore_check"
ROWS_CHECKSUM = (
    "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"
    ' FROM "{table}" t'
)


def conninfo(dbname: str) -> str:
    # As the tables' owner, as `make backup` / `make restore` connect (DATABASE_URL).
    db = {**connection.settings_dict, **connection.settings_dict.get("OWNER", {})}
    return make_conninfo(
        dbname=dbname, host=db["HOST"], port=db["PORT"] or None, user=db["USER"],
        password=db["PASSWORD"] or None,
    )  # fmt: skip


def fingerprint(info: str) -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of all its rows (in a fixed order), and each
    sequence's position."""
    prints = {}
    with psycopg.connect(info) as conn:
        for name in backups.tables(info):
            prints[name] = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"
                f' FROM "{name}" t'
            ).fetchone()
        for name, last in conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall():
            prints[f"sequence {name}"] = (last or 0, "")
    return prints


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def fresh_database():
    with psycopg.connect(conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{RESTORED}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{RESTORED}"')
    yield conninfo(RESTORED)
    with psycopg.connect(conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{RESTORED}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_table_and_the_media_identically(
    personas, tmp_path, fresh_database
):
    empty = fill_every_table(personas)
    assert not empty, (
        "These tables have no row, so the backup test cannot check them: give each a filler in "
        f"tests/backup_fill.py: {', '.join(empty)}"
    )
    source = conninfo(connection.settings_dict["NAME"])
    media = Path(settings.MEDIA_ROOT)
    assert files(media), "the day's work should have stored a photo"

    folder = backups.backup(database_url=source, media=media, into=tmp_path / "backups")
    manifest = backups.check(folder)
    assert manifest["tables"]["tickets_worksorder"] == 2
    restored_media = tmp_path / "restored-media"
    backups.restore(folder=folder, database_url=fresh_database, media=restored_media)

    before, after = fingerprint(source), fingerprint(fresh_database)
    assert before.keys() == after.keys()
    differing = [name for name in before if before[name] != after[name]]
    assert not differing, f"restored differently: {differing}"
    assert files(restored_media) == files(media)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_with_tables_unless_forced(personas, tmp_path, fresh_database):
    source = conninfo(connection.settings_dict["NAME"])
    media = tmp_path / "media"
    media.mkdir()
    (media / "a.txt").write_text("kept")
    folder = backups.backup(database_url=source, media=media, into=tmp_path / "backups")
    with pytest.raises(backups.BackupError, match="already has"):
        backups.restore(folder=folder, database_url=source, media=tmp_path / "elsewhere")
    with pytest.raises(backups.BackupError, match="not empty"):
        backups.restore(folder=folder, database_url=fresh_database, media=media)
    backups.restore(folder=folder, database_url=fresh_database, media=tmp_path / "new")
    # again, over what is there now: only when told
    backups.restore(folder=folder, database_url=fresh_database, media=tmp_path / "new", force=True)
    assert fingerprint(fresh_database) == fingerprint(source)


def test_a_damaged_backup_is_not_restored(tmp_path):
    folder = tmp_path / "20260101T000000Z"
    folder.mkdir()
    with pytest.raises(backups.BackupError, match="is not a backup"):
        backups.check(folder)
    (folder / "manifest.json").write_text(
        '{"format": 1, "files": {"database.dump": {"sha256": "00"}}}'
    )
    (folder / "database.dump").write_bytes(b"truncated")
    with pytest.raises(backups.BackupError, match="does not match the manifest"):
        backups.check(folder)
