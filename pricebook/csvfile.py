"""The pricebook CSV: one format, written by the export and read by the import.

One row per part of a priced option; an option without parts (a diagnostic) is one row with the
part columns empty. Rows of the same device model and repair type share its bench time, warranty
and "active"; rows of the same option (model, repair type, grade) share its price.

pricebook/samples/pricebook-sample.csv is a small example, the one the import page offers.

Columns (header names are matched without regard to case, spaces or underscores):

- make, model, repair_type, price: required on every row.
- category: phone, tablet, laptop, console, watch or other; needed when the device model is new.
- grade: oem, aftermarket or refurbished; empty for an option that is not about a part's grade.
- price: what the customer pays, including or excluding VAT as the shop's settings say; digits
  with a decimal point (89.99); a currency sign is ignored.
- labour_minutes, warranty_days: whole numbers; active: yes or no.
- part_number, part_name, part_cost (net of VAT), part_quantity: the part the option consumes.
  A part number the shop does not have yet needs a part_name.

An empty optional cell keeps what the pricebook already has (or the default for something new:
0 minutes, 90 days' warranty, active, quantity 1, cost 0.00). The import adds and updates; it
never deletes.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from devices.models import Category
from parts.models import Grade
from shops.fields import MAX_AMOUNT

COLUMNS = (
    "category",
    "make",
    "model",
    "repair_type",
    "grade",
    "price",
    "labour_minutes",
    "warranty_days",
    "active",
    "part_number",
    "part_name",
    "part_cost",
    "part_quantity",
)
REQUIRED = ("make", "model", "repair_type", "price")
ALIASES = {
    "device_model": "model",
    "model_name": "model",
    "repair": "repair_type",
    "labour": "labour_minutes",
    "labour_mins": "labour_minutes",
    "minutes": "labour_minutes",
    "warranty": "warranty_days",
    "part_no": "part_number",
    "quantity": "part_quantity",
    "qty": "part_quantity",
}
MAX_ROWS = 200_000
LENGTHS = {"make": 60, "model": 120, "repair_type": 80, "part_number": 60, "part_name": 200}

CATEGORY_NAMES = {value: value for value in Category.values} | {
    label.casefold(): value for value, label in Category.choices
}
GRADE_NAMES = {value: value for value in Grade.values} | {
    "refurb": Grade.REFURBISHED,
    "original": Grade.OEM,
    "genuine": Grade.OEM,
    "": "",
    "none": "",
    "-": "",
    "no grade": "",
}
WHOLE_NUMBERS = {
    "labour_minutes": "a whole number of minutes; write e.g. 45",
    "warranty_days": "a whole number of days; write e.g. 90",
    "part_quantity": "a whole number; write e.g. 1",
}
YES = {"yes", "y", "true", "1", "active", "on"}
NO = {"no", "n", "false", "0", "inactive", "off"}
# A cell starting with one of these is a formula to a spreadsheet: the export writes it after an
# apostrophe (which spreadsheets show as text) and the import takes the apostrophe off again.
FORMULA_START = ("=", "+", "-", "@")
NUL = "\x00"
SHOWN_NUL = "\u2400"  # ␀: how a NUL is shown back (PostgreSQL can store neither it nor \u0000)
NUL_MESSAGE = (
    "has a NUL character (an invisible code some programs write); delete it, or save the file "
    "again as CSV UTF-8"
)
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one cell stops its row from importing, and what to write instead."""

    line: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "column": shown(self.column),
            "value": shown(self.value),
            "text": self.message,
        }


def shown(text: str) -> str:
    """Text from the file as it can be stored and shown: a NUL becomes ␀."""
    return text.replace(NUL, SHOWN_NUL)


@dataclass(slots=True)
class Row:
    """One readable data row; None means the cell was empty (keep what is there)."""

    line: int
    category: str | None
    make: str
    model: str
    repair_type: str
    grade: str
    price: Decimal
    labour_minutes: int | None
    warranty_days: int | None
    active: bool | None
    part_number: str
    part_name: str | None
    part_cost: Decimal | None
    part_quantity: int | None
    # What the import compares rows by (names without regard to case), worked out once: the
    # planner asks for them about ten times a row.
    model_key: tuple[str, str] = field(init=False)
    entry_key: tuple[str, str, str] = field(init=False)
    option_key: tuple[str, str, str, str] = field(init=False)
    part_key: str = field(init=False)

    def __post_init__(self) -> None:
        self.model_key = (self.make.casefold(), self.model.casefold())
        self.entry_key = (*self.model_key, self.repair_type.casefold())
        self.option_key = (*self.entry_key, self.grade)
        self.part_key = self.part_number.upper()

    @property
    def device_label(self) -> str:  # as devices.models.DeviceModel shows it
        if self.model.lower().startswith(self.make.lower()):
            return self.model
        return f"{self.make} {self.model}"


@dataclass
class ReadFile:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)  # the whole file cannot be read
    ignored_columns: list[str] = field(default_factory=list)
    data_lines: int = 0


def _escape(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_START) else value


def _unescape(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def header_name(raw: str) -> str:
    name = _SPACES.sub("_", raw.strip().lower().replace("-", " "))
    return ALIASES.get(name, name)


def decode(data: bytes) -> str:
    """UTF-8 (with or without Excel's byte-order mark), else Windows-1252 as Excel saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


CHUNK = 1 << 20


def _encoding_and_lines(source: BinaryIO) -> tuple[str, int]:
    """As decode() decides, without holding the file: UTF-8 if all of it reads as UTF-8, else
    Windows-1252; and how many line breaks it has (for the progress bar)."""
    decoder, lines, utf8 = codecs.getincrementaldecoder("utf-8")(), 0, True
    while chunk := source.read(CHUNK):
        lines += chunk.count(b"\n")
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    source.seek(0)
    return ("utf-8-sig" if utf8 else "cp1252"), lines


def read(data: bytes | BinaryIO, progress=None) -> ReadFile:
    """Every row of the file checked on its own: readable rows, and a Problem for each bad cell.

    `data` is the file's bytes or a binary file, read as a stream: a 25 MB file is never held
    as text (a StringIO of it took four bytes a character). `progress(done, total)` is called
    now and then on a long file.
    """
    result = ReadFile()
    source = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    if source.read(4).startswith(b"PK\x03\x04"):
        result.file_problems.append(
            "This is a spreadsheet workbook, not a CSV file. Save it as CSV (in Excel: File › "
            "Save as › CSV UTF-8) and upload that."
        )
        return result
    source.seek(0)
    encoding, total = _encoding_and_lines(source)
    text = io.TextIOWrapper(source, encoding=encoding, errors="replace", newline="")
    try:
        return _read_text(text, max(1, total), progress, result)
    finally:
        text.detach()  # the caller's file stays open, as it was given


def _read_text(text: io.TextIOWrapper, total: int, progress, result: ReadFile) -> ReadFile:
    first_line = text.readline()
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(itertools.chain([first_line], text), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        result.file_problems.append(
            "The file is empty. The first line names the columns: " + ", ".join(COLUMNS) + "."
        )
        return result
    nul_columns = [(i, cell) for i, cell in enumerate(header) if NUL in cell]
    for i, cell in nul_columns:
        name = header_name(cell.replace(NUL, "")) or f"column {i + 1}"
        result.problems.append(Problem(1, name, cell, NUL_MESSAGE))
        result.file_problems.append(
            f"Line 1, column {i + 1} (“{shown(cell.strip())}”) {NUL_MESSAGE}. The first line "
            "names the columns, so nothing can be read until it is fixed."
        )
    if nul_columns:
        return result
    positions = _positions(header, result)
    if result.file_problems:
        return result
    # A missing column, or a short row, reads as empty cells.
    wanted = [(name, positions.get(name)) for name in COLUMNS]
    parse = _RowParser(decimal_comma=delimiter == ";")
    for record in reader:
        if not "".join(record).strip():
            continue
        result.data_lines += 1
        if result.data_lines > MAX_ROWS:
            result.file_problems.append(
                f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files and "
                "import them one after the other."
            )
            return result
        if len(record) > len(header) and any(cell.strip() for cell in record[len(header) :]):
            result.problems.append(_too_many_cells(reader.line_num, record, len(header), delimiter))
            continue
        count = len(record)
        cells = {
            name: _tidy(record[position]) if position is not None and position < count else ""
            for name, position in wanted
        }
        row, problems = parse(reader.line_num, cells)
        if problems:
            result.problems.extend(problems)
        else:
            result.rows.append(row)
        if progress and result.data_lines % 5000 == 0:
            progress(reader.line_num, total)
    return result


def _too_many_cells(line: int, record: list[str], columns: int, delimiter: str) -> Problem:
    # Most often a price typed with a decimal comma (114,99) in a comma-separated file: every
    # cell after it slides one column to the right, so one message beats a dozen.
    return Problem(
        line,
        "(the whole row)",
        delimiter.join(record),
        f"has {len(record)} cells where the first line names {columns} columns; a "
        f"“{delimiter}” inside a value splits it in two: write amounts with a decimal point "
        "(114.99), or put the value in double quotes",
    )


def _positions(header: list[str], result: ReadFile) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = header_name(raw)
        if name in COLUMNS and name not in positions:
            positions[name] = i
        elif raw.strip():
            result.ignored_columns.append(shown(raw.strip()))
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        result.file_problems.append(
            f"The first line has no column named {', '.join(missing)}. It must name the columns "
            f"(at least {', '.join(REQUIRED)}); the full list is {', '.join(COLUMNS)}."
        )
    return positions


def _tidy(value: str) -> str:
    """A cell stripped, its runs of white space made one space, a formula guard taken off."""
    if not value:
        return value
    value = value.strip()
    # Only ASCII spaces are printable white space: anything else (tabs, line breaks, no-break
    # spaces) or two spaces in a row is what the regular expression is for. Most cells have
    # neither, and 400,000 cells of a large file are worth skipping it for.
    if "  " in value or not value.isprintable():
        value = _SPACES.sub(" ", value)
    return _unescape(value) if value.startswith("'") else value


class _RowParser:
    """Turns one record's cells into a Row, or says what is wrong with each bad cell."""

    def __init__(self, *, decimal_comma: bool) -> None:
        self.decimal_comma = decimal_comma

    def __call__(self, line: int, cell: dict[str, str]) -> tuple[Row | None, list[Problem]]:
        """`cell`: each column's cell, tidied (_tidy), or "" where the row has none."""
        self.line, self.problems = line, []
        for name, value in cell.items():
            if NUL in value:  # said once; the row goes no further, so no second problem about it
                self._problem(name, value, NUL_MESSAGE)
        if self.problems:
            return None, self.problems
        part_number = self._text(cell, "part_number", required=False)
        row = Row(
            line=line,
            category=self._category(cell["category"]),
            make=self._text(cell, "make"),
            model=self._text(cell, "model"),
            repair_type=self._text(cell, "repair_type"),
            grade=self._grade(cell["grade"]),
            price=self._money("price", cell["price"], required=True),
            labour_minutes=self._whole("labour_minutes", cell["labour_minutes"], 0, 24 * 60),
            warranty_days=self._whole("warranty_days", cell["warranty_days"], 0, 3650),
            active=self._yes_no(cell["active"]),
            part_number=part_number,
            part_name=self._text(cell, "part_name", required=False) or None,
            part_cost=self._money("part_cost", cell["part_cost"], required=False),
            part_quantity=self._whole("part_quantity", cell["part_quantity"], 1, 99),
        )
        if not part_number:
            for name in ("part_name", "part_cost", "part_quantity"):
                if cell[name]:
                    self._problem(
                        "part_number",
                        "",
                        f"is empty but {name} is filled in: give the part's number, or clear "
                        "the part columns for a repair that uses no part",
                    )
                    break
        return (None if self.problems else row), self.problems

    def _problem(self, column: str, value: str, message: str) -> None:
        self.problems.append(Problem(self.line, column, value, message))

    def _text(self, cell: dict[str, str], name: str, *, required: bool = True) -> str:
        value = cell[name]
        if required and not value:
            self._problem(name, value, f"is empty; every row needs its {name.replace('_', ' ')}")
        elif len(value) > LENGTHS[name]:
            self._problem(name, value, f"is longer than {LENGTHS[name]} characters; shorten it")
        return value

    def _category(self, value: str) -> str | None:
        if not value:
            return None
        category = CATEGORY_NAMES.get(value.casefold())
        if category is None:
            self._problem(
                "category", value, f"is not a category; use one of {', '.join(Category.values)}"
            )
        return category

    def _grade(self, value: str) -> str:
        grade = GRADE_NAMES.get(value.casefold())
        if grade is None:
            self._problem(
                "grade",
                value,
                "is not a grade; use oem, aftermarket or refurbished, or leave it empty for a "
                "repair that is not sold by part grade",
            )
            return ""
        return grade

    def _money(self, name: str, value: str, *, required: bool) -> Decimal | None:
        if not value:
            if required:
                self._problem(name, value, "is empty; give the price, e.g. 89.99")
            return None
        cleaned = value.replace("£", "").replace("€", "").replace("$", "").replace(" ", "")
        if self.decimal_comma and re.fullmatch(r"\d+,\d{1,2}", cleaned):
            cleaned = cleaned.replace(",", ".")
        elif _THOUSANDS.match(cleaned):
            cleaned = cleaned.replace(",", "")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            self._problem(name, value, "is not an amount; write it with a decimal point: 89.99")
        elif amount < 0:
            self._problem(name, value, "is negative; an amount is 0.00 or more")
        elif amount > MAX_AMOUNT:  # before rounding: 1e30 has more digits than Decimal keeps
            self._problem(
                name, value, f"is too large (at most {MAX_AMOUNT:,}); check the decimal point"
            )
        elif amount != amount.quantize(Decimal("0.01")):
            self._problem(name, value, "has more than two decimal places; round it to the penny")
        else:
            return amount.quantize(Decimal("0.01"))
        return None

    def _whole(self, name: str, value: str, low: int, high: int) -> int | None:
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            self._problem(name, value, f"is not {WHOLE_NUMBERS[name]}")
        elif not low <= number <= high:
            self._problem(name, value, f"is out of range; use {low} to {high}")
        else:
            return int(number)
        return None

    def _yes_no(self, value: str) -> bool | None:
        if not value:
            return None
        if value.casefold() in YES:
            return True
        if value.casefold() in NO:
            return False
        self._problem("active", value, "is not yes or no; yes offers the repair, no hides it")
        return None


# Writing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportRow:
    category: str
    make: str
    model: str
    repair_type: str
    grade: str
    price: Decimal
    labour_minutes: int
    warranty_days: int
    active: bool
    part_number: str = ""
    part_name: str = ""
    part_cost: Decimal | None = None
    part_quantity: int | None = None

    def cells(self) -> list[str]:
        return [
            self.category,
            _escape(self.make),
            _escape(self.model),
            _escape(self.repair_type),
            self.grade,
            f"{self.price:.2f}",
            str(self.labour_minutes),
            str(self.warranty_days),
            "yes" if self.active else "no",
            _escape(self.part_number),
            _escape(self.part_name),
            "" if self.part_cost is None else f"{self.part_cost:.2f}",
            "" if self.part_quantity is None else str(self.part_quantity),
        ]


class _Echo:
    """A file that hands back what is written to it, for streaming csv.writer's output."""

    def write(self, value: str) -> str:
        return value


def write(rows: Iterable[ExportRow]) -> Iterator[str]:
    """The CSV text, header first, one chunk per row (for a streaming response)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow(row.cells())
