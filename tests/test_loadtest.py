"""What the load test (make load, scripts/loadtest.py) works out by itself: the mix it is given,
the bodies it posts and the table it prints. The load run itself takes minutes and is not here."""

import io
import re
from pathlib import Path

import pytest
from django.http.multipartparser import MultiPartParser

from scripts.load import mix

LOCUSTFILE = Path(mix.__file__).with_name("locustfile.py")

STATS = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,\
Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,\
90%,95%,98%,99%,99.9%,99.99%,100%
GET,board poll,9000,0,6,8.1,2,210,0,150.2,0.0,6,8,9,10,14,21,40,61,150,210,210
GET,works order detail,2800,1,40,44.0,18,400,52000,46.7,0.02,40,45,50,52,60,75,110,140,300,400,400
POST,intake,600,0,70,76.5,40,500,0,10.0,0.0,70,75,80,85,95,120,150,190,400,500,500
,Aggregated,12400,1,8,20.3,2,500,11000,206.9,0.02,8,12,20,30,45,60,90,120,250,480,500
"""


def test_the_default_mix_names_every_task_once_and_each_has_a_method():
    weights = mix.parse_mix(mix.DEFAULT_MIX)
    assert set(weights) == set(mix.TASKS)
    assert round(sum(mix.shares(weights).values())) == 100
    source = LOCUSTFILE.read_text()
    for name in mix.TASKS:  # the locustfile calls each task by its name
        assert re.search(rf"def {name.replace(' ', '_')}\(self\)", source), name


@pytest.mark.parametrize(
    "text",
    ["board poll=45,lunch=3", "board poll", "detail=x", "detail=-1", "detail=0,search=0", ""],
)
def test_a_bad_mix_is_refused_with_the_reason(text):
    with pytest.raises(ValueError):
        mix.parse_mix(text)


def test_a_mix_may_leave_tasks_out():
    assert mix.shares(mix.parse_mix("board poll=3, detail=1")) == {
        "board poll": 75.0,
        "detail": 25.0,
    }


def test_the_intake_body_reads_back_as_the_form_django_sees(settings):
    fields = [("customer-full_name", "Zoë O'Neil"), ("job-condition", "dents")]
    fields += [("job-condition", "screen_cracked"), ("consent-signature", "data:image/png;b=")]
    body, content_type = mix.multipart(fields)
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}
    data, files = MultiPartParser(meta, io.BytesIO(body), []).parse()
    assert data["customer-full_name"] == "Zoë O'Neil"
    assert data.getlist("job-condition") == ["dents", "screen_cracked"]
    assert data["consent-signature"] == "data:image/png;b="
    assert not files


def test_the_table_has_each_endpoint_by_volume_then_overall_and_checks_the_goal(tmp_path):
    stats = tmp_path / "run_stats.csv"
    stats.write_text(STATS)
    rows = mix.read_stats(stats)
    assert [r.name for r in rows] == ["board poll", "works order detail", "intake", "overall"]
    text = mix.table(rows, rps_goal=300, p95_goal=100)
    lines = text.splitlines()
    assert lines[2] == "| board poll | 9,000 | 72.6 % | 150.2 | 6 | 21 | 61 | 0 |"
    assert lines[5] == "| **overall** | 12,400 | 100.0 % | 206.9 | 8 | 60 | 120 | 1 |"
    assert lines[-1] == (
        "Goal ≥ 300 req/s, p95 ≤ 100 ms, 0 errors: NOT met (206.9 req/s, p95 60 ms, 1 errors)."
    )
    assert "Goal ≥ 200 req/s" in mix.table(rows, rps_goal=200, p95_goal=100)


def test_memory_is_flat_when_the_last_third_is_within_the_share_of_the_first():
    assert mix.flat_within([500, 505, 498, 510, 512, 515], 0.10) == (True, pytest.approx(2.4, 0.1))
    flat, change = mix.flat_within([500, 500, 600, 650, 700, 720], 0.10)
    assert not flat and change == pytest.approx(42.0)
    assert mix.flat_within([500], 0.10) == (True, 0.0)
