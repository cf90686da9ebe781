"""The pricebook import benchmark (part of `make bench`; alone: `make bench-import`).

    .venv/bin/python scripts/bench_import.py            (DATABASE_URL from `make services`)
    BENCH_IMPORT_MODELS=200 .venv/bin/python scripts/bench_import.py     a quick, smaller run

Generates the sample pricebook (scripts/pricebook_sample.py: 1,500 device models, about 30,000
rows), imports it into a fresh shop in a database of its own (benchdesk_bench_import, made anew
each run), then imports the same file again, which must change nothing. Each import runs the
services the import page runs, as `benchdesk_app` under row-level security with the shop set,
in the request as a small file would (a big one runs the same
code in a Celery task): the preview (read the file, compare it with the pricebook), then the
apply (read and compare again inside the transaction, then write).

The imports run in a child process of their own, so its peak memory (resident set size, from
getrusage) is the import's with Python and Django, not this script's. Goals (issue 10): the
apply of the 30,000-row file in at most 5 s, and at most 300 MB at the peak.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "benchdesk_bench_import"
SEED = 1
GOAL_SECONDS = 5
GOAL_MB = 300


def say(message: str) -> None:
    print(message, flush=True)


def measure_import(shop, member, data: bytes) -> dict:
    """Preview and apply `data` in `shop` through the import services; what it took."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from pricebook import importer

    upload = SimpleUploadedFile("pricebook-sample.csv", data, content_type="text/csv")
    # In this process rather than in a worker: the same code, timed without a queue.
    inline = override_settings(PRICEBOOK_INLINE_IMPORT_ROWS=10**9)
    with inline, CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        stored = importer.import_start(shop=shop, upload=upload, by=member)
        previewed = time.perf_counter()
        importer.import_apply_start(upload=stored, by=member)
        applied = time.perf_counter()
    stored.refresh_from_db()
    return {
        "status": stored.status,
        "rows": stored.rows,
        "counts": stored.result.get("counts", {}),
        "written": stored.result.get("written", {}),
        "preview_s": previewed - started,
        "apply_s": applied - previewed,
        "queries": len(queries),
    }


def child(slug: str, path: str) -> None:
    """Run in the child process: both imports, results as JSON on the last line."""
    import django

    django.setup()
    import tenancy
    from shops.models import Membership, Role, Shop

    with tenancy.all_shops():  # finding the shop by its slug, as no request would
        shop = Shop.objects.get(slug=slug)
        owner = Membership.objects.for_shop(shop).select_related("shop").get(role=Role.OWNER)
    data = Path(path).read_bytes()
    # As the app does: logged in as benchdesk_app, the shop set, under row-level security.
    with tenancy.for_shop(shop):
        first = measure_import(shop, owner, data)
        second = measure_import(shop, owner, data)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"first": first, "second": second, "peak_mb": peak_mb}))


def prepare(models: int) -> tuple[str, Path, int]:
    """A fresh database with a fresh shop, and the sample file; returns (shop, file, rows)."""
    import django

    django.setup()
    from django.core.management import call_command

    from pricebook.sample import sample_csv
    from shops.models import User
    from shops.services import shop_create
    from tenancy.db import as_owner

    with as_owner():  # the tables and the shop are the owner's to make
        call_command("migrate", verbosity=0)
        owner = User.objects.create_user("bench@import.example", None, full_name="Import Bench")
        shop = shop_create(name="Import Bench Repairs", slug="import-bench", owner=owner)
    text = sample_csv(models=models, seed=SEED)
    rows = text.count("\n") - 1
    say(f"Sample: {rows:,} rows, {models:,} device models (pricebook_sample.py, seed {SEED})")
    path = Path(tempfile.mkstemp(prefix="pricebook-sample-", suffix=".csv")[1])
    path.write_text(text, encoding="utf-8", newline="")
    return shop.slug, path, rows


def database_url() -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("DATABASE_URL is not set: run `make bench-import` (it starts the local servers).")
    return urlunsplit(urlsplit(base)._replace(path=f"/{DATABASE}"))


def recreate_database(url: str) -> None:
    import psycopg

    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{DATABASE}"')


def table(rows: int, models: int, result: dict) -> list[str]:
    first, second, peak = result["first"], result["second"], result["peak_mb"]
    met = first["apply_s"] <= GOAL_SECONDS and peak <= GOAL_MB
    unchanged = second["counts"].get("unchanged", 0)
    idempotent = second["counts"].get("add") == 0 and second["counts"].get("change") == 0
    goal = f"apply ≤ {GOAL_SECONDS} s, peak ≤ {GOAL_MB} MB"
    header = ["import", "rows", "preview s", "apply s", "queries", "peak MB", "goal", "met?"]
    lines = [header, ["---"] * len(header)]
    lines.append(
        [
            f"{models:,} models into a fresh shop",
            f"{rows:,}",
            f"{first['preview_s']:.2f}",
            f"{first['apply_s']:.2f}",
            str(first["queries"]),
            f"{peak:.0f}",
            goal,
            "yes" if met else "**no**",
        ]
    )
    lines.append(
        [
            f"the same file again ({unchanged:,} unchanged)",
            f"{rows:,}",
            f"{second['preview_s']:.2f}",
            f"{second['apply_s']:.2f}",
            str(second["queries"]),
            "–",
            "changes nothing",
            "yes" if idempotent else "**no**",
        ]
    )
    return ["| " + " | ".join(row) + " |" for row in lines]


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return 0
    models = int(os.environ.get("BENCH_IMPORT_MODELS", "1500"))
    url = database_url()
    recreate_database(url)
    os.environ.update(
        DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.base", DJANGO_DEBUG="false"
    )
    # The imports log in as the app's role, as in production (DATABASE_APP_USER= measures them
    # as the owner, without row-level security).
    os.environ.setdefault("DATABASE_APP_USER", "benchdesk_app")
    slug, path, rows = prepare(models)
    load = os.getloadavg()
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--child", slug, str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        path.unlink()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    written = result["first"]["written"]
    say(
        "Written: "
        + ", ".join(f"{n:,} {what.replace('_', ' ')}" for what, n in written.items() if n)
    )
    say("")
    for line in table(rows, models, result):
        say(line)
    say("")
    say(
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; load average "
        "when the imports started: " + ", ".join(f"{x:.2f}" for x in load)
    )
    return 0 if "**no**" not in "".join(table(rows, models, result)) else 1


if __name__ == "__main__":
    sys.exit(main())
