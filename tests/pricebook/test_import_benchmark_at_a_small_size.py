"""`make bench` imports the 30,000-row sample twice; the same measurement runs here on a few
hundred rows, so the benchmark keeps working and the promises it checks keep holding."""

from pricebook.sample import sample_csv
from pricebook.starter import repair_types_seed
from scripts.bench_import import measure_import, table
from tests.factories import MembershipFactory, ShopFactory


def test_a_few_hundred_rows_twice_the_second_time_changing_nothing(shop, personas):
    data = sample_csv(models=15, seed=1).encode()
    first = measure_import(shop, personas.owner, data)
    second = measure_import(shop, personas.owner, data)

    assert first["status"] == second["status"] == "applied"
    assert first["counts"]["add"] == first["rows"] > 200
    assert second["counts"] == {"add": 0, "change": 0, "unchanged": first["rows"], "rejected": 0}
    lines = table(first["rows"], 15, {"first": first, "second": second, "peak_mb": 150.0})
    assert lines[-2].endswith("| yes |") and lines[-1].endswith("| yes |")


def test_more_rows_take_the_same_queries(shop, personas):
    small = measure_import(shop, personas.owner, sample_csv(models=10, seed=2).encode())
    elsewhere = ShopFactory()
    repair_types_seed(shop=elsewhere)
    owner = MembershipFactory(shop=elsewhere, role="owner")
    large = measure_import(elsewhere, owner, sample_csv(models=30, seed=2).encode())
    assert large["rows"] >= 2.5 * small["rows"]
    assert large["queries"] == small["queries"]
