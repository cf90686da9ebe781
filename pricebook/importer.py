"""Importing the pricebook CSV (see pricebook.csvfile): a preview, then an upsert.

The same plan serves both: every row of the file is compared with what the shop has, read in
bulk into dicts (a fixed number of queries whatever the file's size), and comes out as one of

    add        something new: a device model's repair, an option, or a part of an option
    change     already there, with a different price, bench time, warranty, part cost…
    unchanged  already there exactly so (re-importing a file changes nothing, and says so)
    rejected   a cell the import cannot use; the problem says the line, the column, the value
               and what to write instead

Applying re-plans inside one transaction (the pricebook may have moved since the preview) and
writes with bulk inserts and updates, so a 30,000-row file takes seconds, not minutes. Rejected
rows are skipped; the rest goes in. Nothing is ever deleted.

Two managers importing at once: applying takes a PostgreSQL advisory lock per shop, held until
its transaction ends; a second apply is refused with who is importing and what to do
(import_apply_start), never interleaved.

Files up to settings.PRICEBOOK_INLINE_IMPORT_ROWS rows are previewed and applied during the
request; bigger ones by Celery tasks (pricebook.tasks), the page polling the import's progress.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.models.functions import Upper
from django.utils import timezone

from devices.catalogue import CatalogueRow, catalogue_add, catalogue_recategorise
from devices.models import DeviceModel
from parts.models import Part, PartCompatibility
from pricebook import csvfile
from pricebook.bulk import insert_rows, update_rows
from pricebook.csvfile import Problem, Row
from pricebook.models import (
    ImportStatus,
    OptionPart,
    PricebookEntry,
    PricebookImport,
    PriceOption,
    RepairType,
    grade_label,
)
from pricebook.part_writes import NewPart, compatibilities_add, parts_add, parts_update
from shops.models import Membership, Shop

ADD, CHANGE, UNCHANGED, REJECTED = "add", "change", "unchanged", "rejected"
STATUSES = (ADD, CHANGE, UNCHANGED, REJECTED)
SAMPLE_ROWS = 10  # per status, in the preview
MAX_PROBLEMS_KEPT = 500
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
LOCK_CLASS = 0x5042  # advisory lock namespace "PB"; the second key is the shop's id
STALE_AFTER = datetime.timedelta(minutes=15)  # an apply that stopped reporting has died
DEFAULT_WARRANTY_DAYS = 90

Report = Callable[[str, int], None]  # (step, percent)


class ImportBusy(Exception):
    """Another import of the same shop's pricebook is being applied."""


# The plan ---------------------------------------------------------------------------------


@dataclass
class Existing:
    """What the shop has now, keyed as the file is (names without regard to case)."""

    models: dict[tuple[str, str], tuple[int, str]]  # key → (id, category)
    repair_types: dict[str, int]
    entries: dict[tuple[int, int], tuple[int, int, int, bool]]  # → (id, labour, warranty, active)
    options: dict[tuple[int, str], tuple[int, Decimal]]  # (entry, grade) → (id, price)
    option_parts: dict[tuple[int, int], tuple[int, int]]  # (option, part) → (id, quantity)
    parts: dict[str, tuple[int, str, Decimal]]  # PART-NUMBER → (id, name, cost)
    fits: set[tuple[int, int]]  # (part, device model)

    @classmethod
    def load(cls, shop: Shop) -> Existing:
        models: dict[tuple[str, str], tuple[int, str]] = {}
        for pk, make, name, category in DeviceModel.objects.for_shop(shop).values_list(
            "pk", "make", "name", "category"
        ):
            models.setdefault((make.casefold(), name.casefold()), (pk, category))
        entry_fields = ("device_model_id", "repair_type_id", "labour_minutes", "warranty_days")
        entries = PricebookEntry.objects.for_shop(shop).values_list(
            "pk", *entry_fields, "is_active"
        )
        return cls(
            models=models,
            repair_types={
                name.casefold(): pk
                for pk, name in RepairType.objects.for_shop(shop).values_list("pk", "name")
            },
            entries={(model, repair): (pk, *rest) for pk, model, repair, *rest in entries},
            options={
                (entry, grade): (pk, price)
                for pk, entry, grade, price in PriceOption.objects.for_shop(shop).values_list(
                    "pk", "entry_id", "grade", "price"
                )
            },
            option_parts={
                (option, part): (pk, quantity)
                for pk, option, part, quantity in OptionPart.objects.for_shop(shop).values_list(
                    "pk", "option_id", "part_id", "quantity"
                )
            },
            parts={
                number: (pk, name, cost)
                for pk, number, name, cost in Part.objects.for_shop(shop)
                .annotate(number=Upper("part_number"))
                .values_list("pk", "number", "name", "cost")
            },
            fits=set(
                PartCompatibility.objects.for_shop(shop).values_list("part_id", "device_model_id")
            ),
        )


@dataclass(slots=True)
class _Entity:
    """What the file says about one thing (first non-empty value wins) and where it said it."""

    line: int
    values: dict[str, object]


@dataclass(slots=True)
class RowOutcome:
    row: Row | None
    line: int
    status: str
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Plan:
    outcomes: list[RowOutcome]
    existing: Existing
    models: dict[tuple, _Entity]
    repair_types: dict[str, _Entity]
    entries: dict[tuple, _Entity]
    options: dict[tuple, _Entity]
    parts: dict[str, _Entity]
    option_parts: dict[tuple, _Entity]
    file_problems: list[str]
    ignored_columns: list[str]

    def count(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts

    @property
    def has_work(self) -> bool:
        return any(o.status in (ADD, CHANGE) for o in self.outcomes)


def plan_import(shop: Shop, data: bytes | BinaryIO, report: Report | None = None) -> Plan:
    """Read `data` and compare every row with the shop's pricebook. Reads only."""
    report = report or (lambda step, percent: None)
    read = csvfile.read(data, lambda done, total: report("Reading rows", 60 * done // total))
    report("Comparing with your pricebook", 60)
    existing = Existing.load(shop)
    planner = _Planner(existing)
    outcomes = [RowOutcome(None, p.line, REJECTED, problems=[p]) for p in read.problems]
    outcomes = _merge_problems(outcomes)
    outcomes += [planner.take(row) for row in read.rows]
    outcomes.sort(key=lambda o: o.line)
    report("Comparing with your pricebook", 80)
    return Plan(
        outcomes=outcomes,
        existing=existing,
        models=planner.models,
        repair_types=planner.repair_types,
        entries=planner.entries,
        options=planner.options,
        parts=planner.parts,
        option_parts=planner.option_parts,
        file_problems=read.file_problems,
        ignored_columns=read.ignored_columns,
    )


def _merge_problems(outcomes: list[RowOutcome]) -> list[RowOutcome]:
    """One outcome per rejected line, with all of that line's problems."""
    by_line: dict[int, RowOutcome] = {}
    for outcome in outcomes:
        if outcome.line in by_line:
            by_line[outcome.line].problems.extend(outcome.problems)
        else:
            by_line[outcome.line] = outcome
    return list(by_line.values())


class _Planner:
    """Takes rows one by one: checks each against the file so far and the shop's pricebook."""

    def __init__(self, existing: Existing) -> None:
        self.existing = existing
        self.models: dict[tuple, _Entity] = {}
        self.repair_types: dict[str, _Entity] = {}
        self.entries: dict[tuple, _Entity] = {}
        self.options: dict[tuple, _Entity] = {}
        self.parts: dict[str, _Entity] = {}
        self.option_parts: dict[tuple, _Entity] = {}

    def take(self, row: Row) -> RowOutcome:
        problems = self._problems(row)
        if problems:
            return RowOutcome(row, row.line, REJECTED, problems=problems)
        self._register(row)
        return self._compare(row)

    # Checks ---------------------------------------------------------------------------

    def _problems(self, row: Row) -> list[Problem]:
        problems: list[Problem] = []

        def clash(
            entity: _Entity | None, column: str, value: object, what: str, key: str = ""
        ) -> None:
            said = entity.values.get(key or column) if entity else None
            if value is not None and said is not None and value != said:
                problems.append(
                    Problem(
                        row.line,
                        column,
                        _cell(value),
                        f"differs from line {entity.line} ({_cell(said)}): {what}, so give the "
                        "same value on every row or leave it empty after the first",
                    )
                )

        if row.model_key not in self.existing.models and row.category is None:
            problems.append(
                Problem(
                    row.line,
                    "category",
                    "",
                    f"is empty; {row.make} {row.model} is new to your device catalogue, so say "
                    "what it is: phone, tablet, laptop, console, watch or other",
                )
            )
        clash(self.models.get(row.model_key), "category", row.category, "a model has one category")
        entry = self.entries.get(row.entry_key)
        one = "a repair of a model has one"
        clash(entry, "labour_minutes", row.labour_minutes, f"{one} bench time")
        clash(entry, "warranty_days", row.warranty_days, f"{one} warranty")
        clash(entry, "active", row.active, f"{one} on/off setting")
        clash(self.options.get(row.option_key), "price", row.price, "an option has one price")
        if row.part_number:
            self._part_problems(row, problems, clash)
        elif row.option_key in self.options and self.options[row.option_key].values["bare"]:
            line = self.options[row.option_key].line
            problems.append(
                Problem(row.line, "grade", row.grade, f"this option is already on line {line}")
            )
        return problems

    def _part_problems(self, row: Row, problems: list[Problem], clash) -> None:
        part = self.parts.get(row.part_key)
        if row.part_key not in self.existing.parts and row.part_name is None:
            problems.append(
                Problem(
                    row.line,
                    "part_name",
                    "",
                    f"is empty; part {row.part_number} is new to your parts catalogue, so give "
                    "its name",
                )
            )
        clash(part, "part_name", row.part_name, "a part number has one name", key="name")
        clash(part, "part_cost", row.part_cost, "a part has one cost", key="cost")
        listed = self.option_parts.get((row.option_key, row.part_key))
        if listed is not None:
            problems.append(
                Problem(
                    row.line,
                    "part_number",
                    row.part_number,
                    f"is listed twice for this option (line {listed.line}); give one row with "
                    "its part_quantity instead",
                )
            )

    # What the file says ---------------------------------------------------------------

    def _register(self, row: Row) -> None:
        def note(book: dict, key, **values) -> _Entity:
            entity = book.get(key)
            if entity is None:
                entity = book[key] = _Entity(row.line, values)
                return entity
            said = entity.values
            for name, value in values.items():
                if value is not None and said.get(name) is None:
                    said[name] = value
            return entity

        note(self.models, row.model_key, category=row.category, make=row.make, name=row.model)
        note(self.repair_types, row.repair_type.casefold(), name=row.repair_type)
        note(
            self.entries,
            row.entry_key,
            labour_minutes=row.labour_minutes,
            warranty_days=row.warranty_days,
            active=row.active,
        )
        option = note(self.options, row.option_key, price=row.price, grade=row.grade, bare=False)
        if not row.part_number:
            option.values["bare"] = True  # a row for the option itself, without a part
            return
        note(
            self.parts,
            row.part_key,
            number=row.part_number,
            name=row.part_name,
            cost=row.part_cost,
            grade=row.grade,
        )
        note(self.option_parts, (row.option_key, row.part_key), quantity=row.part_quantity)

    # Compared with the shop's pricebook -----------------------------------------------

    def _compare(self, row: Row) -> RowOutcome:
        existing, changes = self.existing, []

        def compare(label: str, now: object, given: object) -> None:
            if given is not None and given != now:
                changes.append(f"{label} {_cell(now)} → {_cell(given)}")

        model = existing.models.get(row.model_key)
        repair_id = existing.repair_types.get(row.repair_type.casefold())
        if model is not None:
            compare("category", model[1], row.category)
        entry = existing.entries.get((model[0], repair_id)) if model and repair_id else None
        if entry is not None:
            compare("bench time", entry[1], row.labour_minutes)
            compare("warranty", entry[2], row.warranty_days)
            compare("active", entry[3], row.active)
        option = existing.options.get((entry[0], row.grade)) if entry else None
        if option is not None:
            compare("price", option[1], row.price)
        is_new = option is None
        if row.part_number:
            part = existing.parts.get(row.part_key)
            if part is not None:
                compare("part name", part[1], row.part_name)
                compare("part cost", part[2], row.part_cost)
            used = existing.option_parts.get((option[0], part[0])) if option and part else None
            if used is not None:
                compare("quantity", used[1], row.part_quantity)
            is_new = used is None
        status = ADD if is_new else (CHANGE if changes else UNCHANGED)
        return RowOutcome(row, row.line, status, changes=changes)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


# Writing the plan ------------------------------------------------------------------------


@dataclass
class Written:
    device_models: int = 0
    repair_types: int = 0
    parts_added: int = 0
    parts_changed: int = 0
    entries_added: int = 0
    entries_changed: int = 0
    options_added: int = 0
    options_changed: int = 0
    option_parts_added: int = 0
    option_parts_changed: int = 0


def apply_plan(shop: Shop, plan: Plan, report: Report | None = None) -> Written:
    """Write what the plan adds and changes; rejected rows were never taken into it."""
    report = report or (lambda step, percent: None)
    written = Written()
    report("Writing device models and repair types", 82)
    model_ids = _write_models(shop, plan, written)
    repair_ids = _write_repair_types(shop, plan, written)
    report("Writing parts", 85)
    part_ids = _write_parts(shop, plan, written)
    report("Writing entries", 88)
    entry_ids = _write_entries(shop, plan, model_ids, repair_ids, written)
    report("Writing options", 92)
    option_ids = _write_options(shop, plan, entry_ids, written)
    report("Writing the parts of options", 95)
    _write_option_parts(shop, plan, option_ids, part_ids, written)
    pairs = {
        (part_ids[part_key], model_ids[option_key[:2]])
        for option_key, part_key in plan.option_parts
    }
    compatibilities_add(shop=shop, pairs=pairs - plan.existing.fits)
    _refresh_statistics(written)
    return written


ANALYZE_AFTER = 1000  # rows added to a table, past which its statistics are refreshed


def _refresh_statistics(written: Written) -> None:
    """ANALYZE the tables this import grew, before the commit checks the new rows' keys.

    PostgreSQL checks every new row's foreign keys at commit with plans made from the
    tables' statistics; statistics that did not know of this import's rows (a new shop, or
    before autovacuum's next look) had each check of an entry's or a part fit's device model
    read all of the shop's device models along the shop_id index: 60 µs a check, 2.5 s of a
    30,000-row import. The app's role owns no table, so it asks pricebook_import_analyze
    (pricebook 0005), which runs with the owner's rights and analyzes these tables only."""
    grown = {
        DeviceModel: written.device_models,
        Part: written.parts_added,
        PricebookEntry: written.entries_added,
        PriceOption: written.options_added,
    }
    tables = [model._meta.db_table for model, added in grown.items() if added >= ANALYZE_AFTER]
    if tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pricebook_import_analyze(%s)", [tables])


def _write_models(shop: Shop, plan: Plan, written: Written) -> dict[tuple, int]:
    known = plan.existing.models
    ids = {key: known[key][0] for key in plan.models if key in known}
    new_keys = [key for key in plan.models if key not in known]
    created = catalogue_add(
        shop=shop,
        rows=[
            CatalogueRow(
                category=plan.models[key].values["category"],
                make=plan.models[key].values["make"],
                name=plan.models[key].values["name"],
            )
            for key in new_keys
        ],
    )
    ids.update(zip(new_keys, (model.pk for model in created), strict=True))
    recategorised = {
        known[key][0]: entity.values["category"]
        for key, entity in plan.models.items()
        if key in known and entity.values["category"] not in (None, known[key][1])
    }
    catalogue_recategorise(shop=shop, categories=recategorised)
    written.device_models = len(created)
    return ids


def _write_repair_types(shop: Shop, plan: Plan, written: Written) -> dict[str, int]:
    known = plan.existing.repair_types
    ids = {key: known[key] for key in plan.repair_types if key in known}
    new_keys = [key for key in plan.repair_types if key not in known]
    last = max(RepairType.objects.for_shop(shop).values_list("position", flat=True), default=0)
    created = RepairType.objects.bulk_create(
        RepairType(shop=shop, name=plan.repair_types[key].values["name"], position=last + i)
        for i, key in enumerate(new_keys, start=1)
    )
    ids.update(zip(new_keys, (repair.pk for repair in created), strict=True))
    written.repair_types = len(created)
    return ids


def _write_parts(shop: Shop, plan: Plan, written: Written) -> dict[str, int]:
    known = plan.existing.parts
    ids = {key: known[key][0] for key in plan.parts if key in known}
    new_keys = [key for key in plan.parts if key not in known]
    created = parts_add(
        shop=shop,
        parts=[
            NewPart(
                part_number=plan.parts[key].values["number"],
                name=plan.parts[key].values["name"],
                cost=plan.parts[key].values["cost"] or Decimal("0.00"),
                grade=plan.parts[key].values["grade"],
            )
            for key in new_keys
        ],
    )
    ids.update(zip(new_keys, created, strict=True))
    changes = []
    for key, entity in plan.parts.items():
        if key not in known:
            continue
        pk, name, cost = known[key]
        after = (entity.values["name"] or name, _given(entity.values["cost"], cost))
        if after != (name, cost):
            changes.append((pk, *after))
    parts_update(shop=shop, changes=changes)
    written.parts_added, written.parts_changed = len(created), len(changes)
    return ids


def _write_entries(
    shop: Shop, plan: Plan, model_ids: dict, repair_ids: dict, written: Written
) -> dict[tuple, int]:
    known, now = plan.existing.entries, timezone.now()
    ids, new_keys, new_rows, changed = {}, [], [], []
    for key, entity in plan.entries.items():
        model_id, repair_id = model_ids[key[:2]], repair_ids[key[2]]
        labour, warranty, active = (
            entity.values["labour_minutes"],
            entity.values["warranty_days"],
            entity.values["active"],
        )
        if (model_id, repair_id) in known:
            pk, *before = known[model_id, repair_id]
            ids[key] = pk
            after = [
                _given(labour, before[0]),
                _given(warranty, before[1]),
                _given(active, before[2]),
            ]
            if after != before:
                changed.append((pk, *after, now))
        else:
            new_keys.append(key)
            new_rows.append(
                (
                    shop.pk,
                    model_id,
                    repair_id,
                    _given(labour, 0),
                    _given(warranty, DEFAULT_WARRANTY_DAYS),
                    _given(active, True),
                    now,
                )
            )
    created = insert_rows(
        PricebookEntry,
        [
            "shop_id",
            "device_model_id",
            "repair_type_id",
            "labour_minutes",
            "warranty_days",
            "is_active",
            "updated_at",
        ],
        new_rows,
    )
    ids.update(zip(new_keys, created, strict=True))
    update_rows(
        PricebookEntry,
        shop_id=shop.pk,
        fields=["labour_minutes", "warranty_days", "is_active", "updated_at"],
        rows=changed,
    )
    written.entries_added, written.entries_changed = len(created), len(changed)
    return ids


def _write_options(shop: Shop, plan: Plan, entry_ids: dict, written: Written) -> dict[tuple, int]:
    known = plan.existing.options
    ids, new_keys, new_rows, changed = {}, [], [], []
    for key, entity in plan.options.items():
        entry_id, grade, price = entry_ids[key[:3]], key[3], entity.values["price"]
        if (entry_id, grade) in known:
            pk, was = known[entry_id, grade]
            ids[key] = pk
            if price != was:
                changed.append((pk, price))
        else:
            new_keys.append(key)
            new_rows.append((shop.pk, entry_id, grade, price))
    created = insert_rows(PriceOption, ["shop_id", "entry_id", "grade", "price"], new_rows)
    ids.update(zip(new_keys, created, strict=True))
    update_rows(PriceOption, shop_id=shop.pk, fields=["price"], rows=changed)
    written.options_added, written.options_changed = len(created), len(changed)
    return ids


def _write_option_parts(
    shop: Shop, plan: Plan, option_ids: dict, part_ids: dict, written: Written
) -> None:
    known = plan.existing.option_parts
    new_rows, changed = [], []
    for (option_key, part_key), entity in plan.option_parts.items():
        option_id, part_id = option_ids[option_key], part_ids[part_key]
        quantity = entity.values["quantity"]
        if (option_id, part_id) in known:
            pk, was = known[option_id, part_id]
            if quantity is not None and quantity != was:
                changed.append((pk, quantity))
        else:
            new_rows.append((shop.pk, option_id, part_id, quantity or 1))
    insert_rows(OptionPart, ["shop_id", "option_id", "part_id", "quantity"], new_rows)
    update_rows(OptionPart, shop_id=shop.pk, fields=["quantity"], rows=changed)
    written.option_parts_added, written.option_parts_changed = len(new_rows), len(changed)


def _given(value, default):
    return default if value is None else value


# The preview, as the page shows it --------------------------------------------------------


def preview_of(plan: Plan) -> dict:
    """The plan in JSON for PricebookImport.preview: counts, samples and every problem."""
    samples: dict[str, list] = {status: [] for status in STATUSES}
    problems: list[dict] = []
    for outcome in plan.outcomes:
        if len(samples[outcome.status]) < SAMPLE_ROWS:
            samples[outcome.status].append(_sample(outcome))
        for problem in outcome.problems:
            if len(problems) < MAX_PROBLEMS_KEPT:
                problems.append(problem.as_dict())
    return {
        "counts": plan.count(),
        "rows": len(plan.outcomes),
        "new": {
            "device_models": sum(1 for k in plan.models if k not in plan.existing.models),
            "repair_types": sum(
                1 for k in plan.repair_types if k not in plan.existing.repair_types
            ),
            "parts": sum(1 for k in plan.parts if k not in plan.existing.parts),
        },
        "samples": samples,
        "problems": problems,
        "problem_count": sum(len(o.problems) for o in plan.outcomes),
        "file_problems": plan.file_problems,
        "ignored_columns": plan.ignored_columns,
        "has_work": plan.has_work,
    }


def _sample(outcome: RowOutcome) -> dict:
    row = outcome.row
    sample = {"line": outcome.line, "changes": outcome.changes}
    if row is not None:
        sample |= {
            "device": row.device_label,
            "repair_type": row.repair_type,
            "grade": grade_label(row.grade),
            "price": f"{row.price:.2f}",
            "part": row.part_number,
        }
    sample["problems"] = [f"{p.column}: {p.message}" for p in outcome.problems]
    return sample


# Progress ----------------------------------------------------------------------------------


class Progress:
    """Writes how far an import has got where the page polling it can see it.

    While the import's own transaction is open its writes are invisible to everyone else, so
    progress then goes through a connection of its own that commits each write at once.
    """

    EVERY = 0.5  # seconds between writes: enough for a progress bar, little load

    def __init__(self, upload: PricebookImport) -> None:
        self.upload = upload
        self.side = None
        self.last = 0.0

    def __call__(self, step: str, percent: int) -> None:
        now = time.monotonic()
        if now - self.last < self.EVERY and self.upload.progress.get("step") == step:
            return
        self.last = now
        self.upload.progress = {"step": step, "percent": percent}
        if connection.in_atomic_block:
            self._write_aside()
        else:
            PricebookImport.objects.for_shop(self.upload.shop_id).filter(pk=self.upload.pk).update(
                progress=self.upload.progress, updated_at=timezone.now()
            )

    def _write_aside(self) -> None:
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self.side.cursor() as cursor:  # the import's shop, for row-level security
                cursor.execute(
                    "SELECT set_config('benchdesk.shop', %s, false), "
                    "set_config('role', 'none', false)",
                    [str(self.upload.shop_id)],
                )
        with self.side.cursor() as cursor:
            # SKIP LOCKED: when the import's own transaction holds the row (a request's, which
            # claimed it), waiting here would wait for ourselves; that progress is skipped.
            cursor.execute(
                "UPDATE pricebook_pricebookimport SET progress = %s::jsonb, updated_at = %s "
                "WHERE id = (SELECT id FROM pricebook_pricebookimport WHERE id = %s "
                "AND shop_id = %s FOR UPDATE SKIP LOCKED)",
                [
                    json.dumps(self.upload.progress),
                    timezone.now(),
                    self.upload.pk,
                    self.upload.shop_id,
                ],
            )

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.side is not None:
            self.side.close()


# Services: what the views and tasks call -------------------------------------------------


def inline_limit() -> int:
    return settings.PRICEBOOK_INLINE_IMPORT_ROWS


def import_start(*, shop: Shop, upload: UploadedFile, by: Membership) -> PricebookImport:
    """Keep the uploaded file and preview it: now if it is small, else in a task (on commit)."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"“{upload.name}” is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. "
            "Split it into smaller files and import them one after the other."
        )
    lines, last = 0, b""
    for chunk in upload.chunks():  # counted as it streams past, never held whole
        lines += chunk.count(b"\n")
        last = chunk[-1:] or last
    upload.seek(0)
    stored = PricebookImport(
        shop=shop,
        filename=csvfile.shown(upload.name)[:200],
        rows=max(0, lines - 1 + (last != b"\n")),
        uploaded_by=by,
        progress={"step": "Waiting to be read", "percent": 0},
    )
    stored.file.save("pricebook.csv", upload, save=False)
    stored.save()
    if stored.rows <= inline_limit():
        import_preview(shop_id=shop.pk, import_id=stored.pk)
        stored.refresh_from_db()
    else:
        from pricebook.tasks import pricebook_import_preview

        transaction.on_commit(lambda: pricebook_import_preview.delay(shop.pk, stored.pk))
    return stored


def import_preview(*, shop_id: int, import_id: int) -> None:
    """Read the stored file and write its preview. Changes nothing in the pricebook; safe to
    run again. An import that is gone or already past its preview is left alone."""
    upload = PricebookImport.objects.for_shop(shop_id).filter(pk=import_id).first()
    if upload is None or upload.status != ImportStatus.READING:
        return
    try:
        with Progress(upload) as progress, _stored_file(upload) as data:
            plan = plan_import(upload.shop, data, progress)
    except (OperationalError, InterfaceError):
        raise  # the database went away: the task's retry reads it again
    except Exception:
        _fail(upload, "The file could not be read. Nothing was changed; check it and try again.")
        raise
    upload.preview = preview_of(plan)
    upload.status = ImportStatus.FAILED if plan.file_problems else ImportStatus.PREVIEW
    upload.error = " ".join(plan.file_problems)
    upload.progress = {"step": "Read", "percent": 100}
    upload.save(update_fields=["preview", "status", "error", "progress", "updated_at"])


def import_apply_start(*, upload: PricebookImport, by: Membership) -> PricebookImport:
    """Claim the shop's pricebook for this import and apply it: now if it is small, else in a
    task. Raises ImportBusy, naming who, while another import is being applied."""
    _claim(upload, by)
    if upload.rows <= inline_limit():
        import_apply(shop_id=upload.shop_id, import_id=upload.pk)
        upload.refresh_from_db()
    else:
        from pricebook.tasks import pricebook_import_apply

        transaction.on_commit(lambda: pricebook_import_apply.delay(upload.shop_id, upload.pk))
    return upload


@transaction.atomic
def _claim(upload: PricebookImport, by: Membership) -> None:
    imports = PricebookImport.objects.for_shop(upload.shop_id)
    if not _try_lock(upload.shop_id):
        raise ImportBusy(_busy_message(imports.exclude(pk=upload.pk)))
    other = imports.exclude(pk=upload.pk).filter(
        status=ImportStatus.APPLYING, updated_at__gte=timezone.now() - STALE_AFTER
    )
    if other.exists():
        raise ImportBusy(_busy_message(other))
    locked = imports.select_for_update().get(pk=upload.pk)
    if not may_apply(locked):
        raise ValidationError(f"{locked.filename} is {locked.get_status_display().lower()}.")
    locked.status, locked.applied_by, locked.error = ImportStatus.APPLYING, by, ""
    locked.progress = {"step": "Waiting to start", "percent": 0}
    locked.save(update_fields=["status", "applied_by", "error", "progress", "updated_at"])
    upload.status = locked.status


def may_apply(upload: PricebookImport) -> bool:
    """Previewed and not applied yet; or an apply that failed or died on the way (it changed
    nothing: applying is all or nothing)."""
    if not upload.preview or upload.preview.get("file_problems"):
        return False
    if upload.status == ImportStatus.APPLYING:
        return upload.updated_at < timezone.now() - STALE_AFTER
    return upload.status in (ImportStatus.PREVIEW, ImportStatus.FAILED)


def _busy_message(others) -> str:
    running = others.filter(status=ImportStatus.APPLYING).select_related("applied_by__user").first()
    who = "Another manager’s import"
    if running is not None and running.applied_by is not None:
        who = f"{running.applied_by.user}’s import of “{running.filename}”"
    return (
        f"{who} is being applied to the pricebook right now. Yours is kept as it is: apply it "
        "again when theirs has finished (a minute or so), and it will be checked against the "
        "prices as they are then."
    )


def import_apply(*, shop_id: int, import_id: int) -> None:
    """Re-plan and write the stored file in one transaction under the shop's import lock.
    An import that is gone or not claimed for applying is left alone, so a repeated task
    changes nothing."""
    upload = PricebookImport.objects.for_shop(shop_id).filter(pk=import_id).first()
    if upload is None or upload.status != ImportStatus.APPLYING:
        return
    try:
        with Progress(upload) as progress, transaction.atomic():
            _lock(shop_id)
            with _stored_file(upload) as data:
                plan = plan_import(upload.shop, data, progress)
            written = apply_plan(upload.shop, plan, progress)
            upload.result = preview_of(plan) | {"written": written.__dict__}
            upload.status, upload.applied_at = ImportStatus.APPLIED, timezone.now()
            upload.progress = {"step": "Applied", "percent": 100}
            upload.save(update_fields=["result", "status", "applied_at", "progress", "updated_at"])
    except (OperationalError, InterfaceError):
        raise  # the database went away: left claimed, so the task's retry carries on
    except IntegrityError:
        _fail(
            upload,
            "Someone changed the same parts or models while this import ran, so nothing was "
            "changed. Apply it again.",
        )
    except Exception:
        _fail(upload, "Applying stopped on an error, so nothing was changed. Try again.")
        raise


def _fail(upload: PricebookImport, message: str) -> None:
    PricebookImport.objects.for_shop(upload.shop_id).filter(pk=upload.pk).update(
        status=ImportStatus.FAILED, error=message, updated_at=timezone.now()
    )


@contextmanager
def _stored_file(upload: PricebookImport) -> Iterator[BinaryIO]:
    """The stored file, open for reading as a stream (csvfile.read never holds it whole)."""
    with upload.file.open("rb") as stored:
        yield stored


def _try_lock(shop_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_CLASS, shop_id])
        return cursor.fetchone()[0]


def _lock(shop_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, shop_id])
