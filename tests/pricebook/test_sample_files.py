"""The sample pricebook: the same for the same seed, the size the benchmark promises, and the
small file users download imports without a rejected row."""

import csv
import io
from pathlib import Path

from pricebook.sample import sample_csv
from tests.pricebook.conftest import import_csv

SAMPLE = Path(__file__).resolve().parents[2] / "pricebook" / "samples" / "pricebook-sample.csv"


def test_the_same_seed_makes_the_same_file():
    assert sample_csv(models=20, seed=4) == sample_csv(models=20, seed=4)
    assert sample_csv(models=20, seed=4) != sample_csv(models=20, seed=5)


def test_the_benchmark_file_has_1500_models_and_about_30000_rows_across_categories():
    rows = list(csv.DictReader(io.StringIO(sample_csv())))
    assert 29_000 < len(rows) < 31_000
    assert len({(r["make"], r["model"]) for r in rows}) == 1500
    assert {r["category"] for r in rows} == {"phone", "tablet", "laptop", "console", "watch"}
    assert {r["grade"] for r in rows} == {"oem", "aftermarket", "refurbished", ""}


def test_the_downloadable_sample_is_the_generators_and_imports_cleanly(shop, personas):
    data = SAMPLE.read_bytes()
    assert data.decode() == sample_csv(models=8, seed=1)  # regenerate it with the script
    stored = import_csv(shop, personas.manager, data)
    assert stored.result["counts"]["rejected"] == 0
    assert stored.result["counts"]["add"] == data.count(b"\n") - 1
