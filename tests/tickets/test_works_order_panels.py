"""The works-order page's collapsed panels: drawn when opened, not with every page.

Reassign, the plan, cancelling, time without the timer, extra work and adding a part are
collapsed on the page; each is a placeholder that fetches its form when opened (HTMX), or,
without JavaScript, a link to the page with ?panel=NAME. A form sent back with errors is drawn
open with them.
"""

import pytest
from django.urls import reverse

from tests.factories import WorksOrderFactory
from tickets.lifecycle import works_order_advance
from tickets.models import WorksOrder
from tickets.services import ConsentData

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PANELS = ["reassign", "plan", "cancel", "time", "extra", "need"]


def on_the_bench(personas) -> WorksOrder:
    works_order = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
    )
    works_order_advance(
        works_order=works_order,
        step="assign",
        by=personas.front_desk,
        technician=personas.technician,
    )
    return works_order_advance(works_order=works_order, step="start", by=personas.technician)


def page(client, works_order, **params):
    return client.get(reverse("works_order_detail", args=[works_order.number]), params)


def panel(client, works_order, name, **headers):
    return client.get(
        reverse("works_order_panel", args=[works_order.number, name]), headers=headers
    )


def test_collapsed_panels_are_placeholders_that_load_when_opened(client_as, personas):
    works_order = on_the_bench(personas)
    body = page(client_as(personas.manager), works_order).content.decode()
    for name in PANELS:
        url = reverse("works_order_panel", args=[works_order.number, name])
        assert f'hx-get="{url}"' in body, name
        assert f"?panel={name}#{name}-panel" in body, name  # the way in without JavaScript
    # None of their fields is drawn; the open ones are.
    for field in ("reassign-technician", "plan-priority", "cancel-reason", "time-minutes"):
        assert f'name="{field}"' not in body
    for field in ("extra-description", "need-part"):
        assert f'name="{field}"' not in body
    assert 'name="diagnosis-diagnosis"' in body and 'name="fit-code"' in body
    assert 'name="price-amount"' in body and 'name="note-text"' in body


def test_an_opened_panel_gets_its_form(client_as, personas):
    works_order = on_the_bench(personas)
    client = client_as(personas.manager)
    reassign = panel(client, works_order, "reassign", **HTMX)
    assert reassign.status_code == 200
    body = reassign.content.decode()
    assert 'name="reassign-technician"' in body and "Jack Morgan" in body
    assert "Work has started" in body and "<html" not in body
    assert "HX-Request" in reassign["Vary"]

    extra = panel(client, works_order, "extra", **HTMX).content.decode()
    assert 'name="extra-description"' in extra and 'name="extra-reason"' in extra
    prices = reverse("bench_prices", args=[works_order.number])
    assert f'hx-get="{prices}" hx-trigger="load"' in extra  # the pricebook follows at once
    assert 'name="plan-priority"' in panel(client, works_order, "plan", **HTMX).content.decode()
    assert 'name="cancel-reason"' in panel(client, works_order, "cancel", **HTMX).content.decode()
    assert 'name="time-minutes"' in panel(client, works_order, "time", **HTMX).content.decode()
    assert 'name="need-part"' in panel(client, works_order, "need", **HTMX).content.decode()


def test_without_javascript_a_panel_opens_on_the_page(client_as, personas):
    works_order = on_the_bench(personas)
    client = client_as(personas.technician)
    url = reverse("works_order_detail", args=[works_order.number])
    response = panel(client, works_order, "time")
    assert response.status_code == 302
    assert response["Location"] == f"{url}?panel=time#time-panel"

    body = page(client, works_order, panel="time").content.decode()
    assert '<details class="mb-3" id="time-panel" open>' in body
    assert 'name="time-minutes"' in body
    assert 'name="extra-description"' not in body  # only the one asked for


def test_a_form_sent_back_with_errors_is_drawn_open_with_them(client_as, personas):
    works_order = on_the_bench(personas)
    client = client_as(personas.technician)
    response = client.post(reverse("time_entry", args=[works_order.number]), {"time-minutes": "0"})
    assert response.status_code == 400
    body = response.content.decode()
    assert '<details class="mb-3" id="time-panel" open>' in body
    assert "Ensure this value is greater than or equal to 1." in body

    response = client_as(personas.manager).post(
        reverse("works_order_plan", args=[works_order.number]), {"plan-priority": "soonish"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert '<div class="collapse show mt-2" id="plan-panel">' in body
    assert 'aria-controls="plan-panel"' in body and 'aria-expanded="true"' in body
    assert "Select a valid choice." in body


def test_panels_follow_the_page_roles(client_as, personas):
    works_order = on_the_bench(personas)
    technician = client_as(personas.technician)
    assert panel(technician, works_order, "cancel", **HTMX).status_code == 403
    assert panel(technician, works_order, "reassign", **HTMX).status_code == 403
    body = page(technician, works_order).content.decode()
    assert "cancel-panel" not in body and "reassign-panel" not in body
    # Started: only a manager gives it to someone else, so the counter is not offered it.
    assert panel(client_as(personas.front_desk), works_order, "reassign", **HTMX).status_code == 403
    assert panel(client_as(personas.manager), works_order, "reassign", **HTMX).status_code == 200
    assert panel(client_as(personas.manager), works_order, "nonsense", **HTMX).status_code == 404


def test_a_closed_job_offers_no_panels(client_as, personas):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    client = client_as(personas.owner)
    client.post(
        reverse("works_order_cancel", args=[works_order.number]), {"cancel-reason": "Changed mind"}
    )
    assert "?panel=" not in page(client, works_order).content.decode()
    for name in PANELS:
        assert panel(client, works_order, name, **HTMX).status_code == 403, name


def test_another_shops_panel_is_404(client_as, personas):
    elsewhere = WorksOrderFactory(branch=personas.outsider.branches.first(), by=personas.outsider)
    response = panel(client_as(personas.owner), elsewhere, "plan", **HTMX)
    assert response.status_code == 404


def test_a_job_on_the_bench_is_drawn_in_few_queries(
    client_as, personas, django_assert_max_num_queries
):
    from parts import services as parts
    from tests.factories import PartFactory

    works_order = on_the_bench(personas)
    client = client_as(personas.manager)
    # Signing in, the job, its lines, photos, timeline, bench time and approvals; no parts
    # query for a job without parts.
    with django_assert_max_num_queries(7):
        assert page(client, works_order).status_code == 200
    part = PartFactory(shop=personas.shop, name="iPhone 13 battery")
    parts.works_order_part_add(works_order=works_order, part=part, quantity=1, by=personas.manager)
    with django_assert_max_num_queries(8):
        assert "iPhone 13 battery" in page(client, works_order).content.decode()
    with django_assert_max_num_queries(4):  # the signed-in member, the job, the workload
        assert panel(client, works_order, "reassign", **HTMX).status_code == 200


@pytest.mark.parametrize(
    ("minutes", "said"),
    [(0, "0 min"), (45, "45 min"), (60, "1 h"), (149, "2 h 29 min"), (1500, "25 h")],
)
def test_bench_time_reads_in_hours_and_minutes(minutes, said):
    from tickets.templatetags.works_orders import bench_time

    assert bench_time(minutes) == said


def test_time_logged_reads_in_hours_and_minutes(client_as, personas):
    works_order = on_the_bench(personas)
    client = client_as(personas.technician)
    for minutes in ("90", "59"):
        client.post(reverse("time_entry", args=[works_order.number]), {"time-minutes": minutes})
    body = page(client, works_order).content.decode()
    assert "<strong>Time logged:</strong> 2 h 29 min" in body
    assert "· 1 h 30 min" in body and "· 59 min" in body
