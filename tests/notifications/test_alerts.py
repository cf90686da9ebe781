"""The bell: each member's unread alerts, the alerts page, marking read."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Alert
from notifications.services import alert_add


def test_the_bell_counts_my_unread_alerts_in_one_query(personas, client_as):
    alert_add(member=personas.technician, key="a", text="Parts arrived for WO-1", url="/")
    alert_add(member=personas.technician, key="a", text="again: the same alert")  # once per key
    alert_add(member=personas.technician, key="b", text="Reply from Ruth")
    alert_add(member=personas.manager, key="c", text="Not mine")
    client = client_as(personas.technician)
    client.get(reverse("alerts_bell"))  # the session and membership load once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("alerts_bell"), headers={"HX-Request": "true"})
    assert b">2<" in response.content
    assert len([q for q in queries if "notifications_alert" in q["sql"]]) == 1


def test_the_page_lists_my_alerts_with_links(personas, client_as):
    alert_add(member=personas.technician, key="a", text="Parts arrived for WO-1", url="/board/")
    alert_add(member=personas.manager, key="b", text="Someone else's")
    html = client_as(personas.technician).get(reverse("alerts")).content.decode()
    assert 'href="/board/"' in html and "Parts arrived for WO-1" in html
    assert "Someone else" not in html


def test_mark_one_and_all_read(personas, client_as):
    alert_add(member=personas.technician, key="a", text="one")
    alert_add(member=personas.technician, key="b", text="two")
    first = Alert.objects.for_shop(personas.shop).get(key="a")
    client = client_as(personas.technician)
    assert client.post(reverse("alerts_read"), {"alert": first.pk}).status_code == 302
    unread = Alert.objects.for_shop(personas.shop).filter(read_at=None)
    assert list(unread.values_list("key", flat=True)) == ["b"]
    client.post(reverse("alerts_read"))
    assert not unread.exists()


def test_nobody_marks_another_persons_alert(personas, client_as):
    alert_add(member=personas.manager, key="a", text="mine")
    alert = Alert.objects.for_shop(personas.shop).get()
    assert (
        client_as(personas.technician).post(reverse("alerts_read"), {"alert": alert.pk}).status_code
        == 404
    )
    assert (
        client_as(personas.outsider).post(reverse("alerts_read"), {"alert": alert.pk}).status_code
        == 404
    )
    alert.refresh_from_db()
    assert alert.read_at is None


def test_a_bad_alert_id_is_refused_politely(personas, client_as):
    response = client_as(personas.technician).post(reverse("alerts_read"), {"alert": "9" * 40})
    assert response.status_code == 400


def test_every_page_has_the_bell(personas, client_as):
    html = client_as(personas.front_desk).get(reverse("board")).content.decode()
    assert reverse("alerts_bell") in html
