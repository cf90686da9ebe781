"""The load test's request mix and its report: plain Python (no Django, no locust), so the unit
tests read it without starting either.

The mix is what staff screens and customers of many shops ask for, by share of the requests a
virtual user starts (a card move and a changed board each bring a board redraw on top, as the
browser does when told "boardChanged"):

    board poll    every open board asks "changed?" every 5 s (htmx): most of all traffic
    detail        a works order opened from the board, the list or search
    search        the top bar's search as you type (name, phone, IMEI, number)
    status page   a customer following their repair from the link in their SMS
    card move     a real lifecycle step through the board's endpoints: paused for parts (the
                  dialog's reason), then dropped back in In progress, in turn
    intake        the counter's full booking form (new customer, device, quote, signature)
    board page    the board opened afresh (navigation, a new shift)
    static file   a stylesheet or script from a cold browser cache (WhiteNoise serves them
                  from the app in production)
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MIX = (
    "board poll=45,detail=14,search=12,status page=12,card move=6,intake=3,board page=3,"
    "static file=5"
)
TASKS = (
    "board poll",
    "detail",
    "search",
    "status page",
    "card move",
    "intake",
    "board page",
    "static file",
)


def parse_mix(text: str) -> dict[str, int]:
    """'board poll=45,detail=14,…' → weights; unknown names and bad weights are refused."""
    weights: dict[str, int] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in TASKS:
            raise ValueError(f"unknown task in the mix: {part.strip()!r} (tasks: {TASKS})")
        try:
            weight = int(value)
        except ValueError:
            raise ValueError(f"weight of {name!r} is not a whole number: {value!r}") from None
        if weight < 0:
            raise ValueError(f"weight of {name!r} is negative")
        weights[name] = weight
    if not any(weights.values()):
        raise ValueError("the mix has no task with a weight above 0")
    return weights


def shares(weights: dict[str, int]) -> dict[str, float]:
    total = sum(weights.values())
    return {name: 100 * weight / total for name, weight in weights.items() if weight}


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body (as a browser sends the intake form) and its content type."""
    boundary = f"----benchdeskload{uuid.uuid4().hex}"
    out = []
    for name, value in fields:
        out.append(f"--{boundary}\r\n")
        out.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    out.append(f"--{boundary}--\r\n")
    return "".join(out).encode(), f"multipart/form-data; boundary={boundary}"


# --- The report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float


def read_stats(path: Path) -> list[Row]:
    """Locust's `--csv` stats file (<prefix>_stats.csv): one row per endpoint and "Aggregated"."""
    rows = []
    with path.open(newline="") as handle:
        for record in csv.DictReader(handle):
            if not record.get("Name"):
                continue
            rows.append(
                Row(
                    name="overall" if record["Name"] == "Aggregated" else record["Name"],
                    requests=int(record["Request Count"]),
                    failures=int(record["Failure Count"]),
                    p50=_number(record["50%"]),
                    p95=_number(record["95%"]),
                    p99=_number(record["99%"]),
                    rps=_number(record["Requests/s"]),
                )
            )
    return rows


def _number(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0


def table(rows: list[Row], *, rps_goal: float, p95_goal: float) -> str:
    """The Markdown table: per endpoint and overall, with the goals checked on the overall row."""
    lines = [
        "| endpoint | requests | share | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = next((r for r in rows if r.name == "overall"), None)
    everything = total.requests if total else sum(r.requests for r in rows) or 1
    ordered = sorted((r for r in rows if r.name != "overall"), key=lambda r: -r.requests)
    for row in [*ordered, *([total] if total else [])]:
        name = f"**{row.name}**" if row.name == "overall" else row.name
        lines.append(
            f"| {name} | {row.requests:,} | {100 * row.requests / everything:.1f} % "
            f"| {row.rps:.1f} | {row.p50:.0f} | {row.p95:.0f} | {row.p99:.0f} | {row.failures} |"
        )
    if total:
        met = total.rps >= rps_goal and total.p95 <= p95_goal and total.failures == 0
        lines.append("")
        lines.append(
            f"Goal ≥ {rps_goal:.0f} req/s, p95 ≤ {p95_goal:.0f} ms, 0 errors: "
            f"{'met' if met else 'NOT met'} ({total.rps:.1f} req/s, p95 {total.p95:.0f} ms, "
            f"{total.failures} errors)."
        )
    return "\n".join(lines)


def flat_within(samples: list[float], share: float) -> tuple[bool, float]:
    """Whether memory stayed flat: the last third's mean against the first third's (after
    warm-up), as a change in percent; within `share` (0.10 = 10 %) passes."""
    if len(samples) < 3:
        return True, 0.0
    third = len(samples) // 3
    first = sum(samples[:third]) / third
    last = sum(samples[-third:]) / third
    change = (last - first) / first if first else 0.0
    return abs(change) <= share, 100 * change
