"""SLA alerts: the branch's managers hear of each crossing once, in the app, by email and (when
they asked) by SMS, through the outbox; customers never see any of it."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from notifications import outbox
from notifications.models import Alert, Channel, Message, Stage, State
from shops.models import Role
from tests.factories import MembershipFactory, WorksOrderFactory
from tests.tickets.sla_helpers import HOUR, T, sla_set
from tickets.models import Priority, SlaCrossing, SlaThreshold
from tickets.sla_sweep import sla_sweep


@pytest.fixture
def urgent_job(personas, customer):
    works_order = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        customer=customer,
        priority=Priority.URGENT,
        assigned_to=personas.technician,  # Jack Morgan
    )
    # At risk from 14:00, due 16:00 on Thursday 10 December.
    return sla_set(works_order, risk=T, due=T + 2 * HOUR)


def alerts_of(member) -> list[str]:
    return list(
        Alert.objects.for_shop(member.shop_id).filter(member=member).values_list("text", flat=True)
    )


def staff_messages(shop, **filters):
    return Message.objects.for_shop(shop).exclude(member=None).filter(**filters)


def test_the_branchs_owners_and_managers_each_get_one_alert_per_crossing(personas, urgent_job):
    this_branch_manager = MembershipFactory(
        shop=personas.shop, role=Role.MANAGER, branches=[personas.branch]
    )
    whole_shop_manager = MembershipFactory(shop=personas.shop, role=Role.MANAGER, branches=[])
    other_branch_manager = MembershipFactory(
        shop=personas.shop, role=Role.MANAGER, branches=[personas.other_branch]
    )
    gone = MembershipFactory(
        shop=personas.shop, role=Role.MANAGER, branches=[personas.branch], is_active=False
    )

    result = sla_sweep(now=T)

    text = f"{urgent_job.number} is at risk: due Thu 10 Dec 16:00 (Urgent, Jack M.)"
    for member in (personas.owner, personas.manager, this_branch_manager, whole_shop_manager):
        assert alerts_of(member) == [text]
    for member in (
        personas.front_desk,
        personas.technician,
        personas.second_technician,
        other_branch_manager,
        gone,
        personas.outsider,
    ):
        assert alerts_of(member) == []
    assert result.alerts == 4
    alert = Alert.objects.for_shop(personas.shop).filter(member=personas.manager).get()
    crossing = SlaCrossing.objects.for_shop(personas.shop).get()
    assert alert.key == f"sla:{crossing.pk}"
    assert alert.url == reverse("works_order_detail", args=[urgent_job.number])


def test_a_breach_says_when_the_job_was_due_and_an_unassigned_job_says_so(personas):
    job = WorksOrderFactory(branch=personas.other_branch, by=personas.front_desk)
    sla_set(job, risk=T - 2 * HOUR, due=T - HOUR, next_at=T - HOUR)

    sla_sweep(now=T)

    assert alerts_of(personas.manager) == [
        f"{job.number} has breached its SLA: was due Thu 10 Dec 13:00 (Standard, unassigned)",
        f"{job.number} is at risk: due Thu 10 Dec 13:00 (Standard, unassigned)",
    ]


def test_the_due_time_is_said_in_the_branchs_own_time_zone(personas):
    personas.branch.timezone = "America/New_York"
    personas.branch.save(update_fields=["timezone"])
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    sla_set(job, risk=T, due=T + 2 * HOUR)

    sla_sweep(now=T)

    assert alerts_of(personas.owner) == [
        f"{job.number} is at risk: due Thu 10 Dec 11:00 (Standard, unassigned)"
    ]


def test_the_bell_counts_sla_alerts(personas, urgent_job, client_as):
    sla_sweep(now=T + 2 * HOUR)  # at risk and breached

    client = client_as(personas.manager)
    bell = client.get(reverse("alerts_bell"), headers={"HX-Request": "true"})
    page = client.get(reverse("alerts")).content.decode()

    assert b">2<" in bell.content
    assert f"{urgent_job.number} has breached its SLA" in page
    assert f'href="/works-orders/{urgent_job.number}/"' in page


def test_each_manager_with_an_address_gets_one_email_through_the_outbox(personas, urgent_job):
    sla_sweep(now=T)
    sla_sweep(now=T)

    emails = staff_messages(personas.shop, channel=Channel.EMAIL)
    assert sorted(emails.values_list("recipient", flat=True)) == [
        "manager@example.com",
        "owner@example.com",
    ]
    email = emails.get(member=personas.manager)
    assert (email.customer, email.works_order, email.stage, email.state) == (
        None,
        None,
        Stage.SLA_ALERT,
        State.QUEUED,
    )
    assert email.subject == f"At risk: {urgent_job.number} (Birmingham)"
    assert email.body.startswith(
        f"{urgent_job.number} is at risk: due Thu 10 Dec 16:00 (Urgent, Jack M.).\n\n"
        f"Open the works order: http"
    )
    assert email.send_after <= timezone.now()

    outbox.message_deliver(email.pk)

    email.refresh_from_db()
    assert email.state == State.SENT
    (sent,) = mail.outbox
    assert sent.to == ["manager@example.com"]
    assert sent.subject == f"At risk: {urgent_job.number} (Birmingham)"
    assert f"/works-orders/{urgent_job.number}/" in sent.body
    assert sent.reply_to == []  # nobody to answer: the customer's shop address is not offered


def test_no_sms_unless_the_manager_asked_for_sla_alerts_by_sms(personas, urgent_job):
    personas.owner.mobile = "+447700900111"  # a number, but no SMS asked for
    personas.owner.save(update_fields=["mobile"])
    personas.manager.mobile, personas.manager.sla_alerts_by_sms = "+447700900222", True
    personas.manager.save(update_fields=["mobile", "sla_alerts_by_sms"])

    result = sla_sweep(now=T)

    texts = staff_messages(personas.shop, channel=Channel.SMS)
    assert list(texts.values_list("member", "recipient")) == [
        (personas.manager.pk, "+447700900222")
    ]
    assert (result.emails, result.sms) == (2, 1)


def test_an_sla_sms_is_sent_at_once_not_held_for_the_customers_quiet_hours(
    personas, urgent_job, twilio
):
    shop = personas.shop
    shop.quiet_hours_from, shop.quiet_hours_until = datetime.time(0, 0), datetime.time(23, 59)
    shop.save(update_fields=["quiet_hours_from", "quiet_hours_until"])
    personas.manager.mobile, personas.manager.sla_alerts_by_sms = "+447700900222", True
    personas.manager.save(update_fields=["mobile", "sla_alerts_by_sms"])

    sla_sweep(now=T)
    sms = staff_messages(personas.shop, channel=Channel.SMS).get()
    assert sms.send_after <= timezone.now()
    outbox.message_deliver(sms.pk)

    sms.refresh_from_db()
    assert sms.state == State.SENT
    (sent,) = twilio.messages
    assert sent["to"] == "+447700900222"
    assert sent["body"].startswith(f"{urgent_job.number} is at risk: due Thu 10 Dec 16:00")


def test_the_messages_go_to_the_workers_after_commit(
    personas, urgent_job, monkeypatch, django_capture_on_commit_callbacks
):
    handed: list[list[int]] = []
    monkeypatch.setattr("notifications.tasks.messages_send.delay", handed.append)
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=T)
        assert handed == []
    assert sorted(handed[0]) == sorted(staff_messages(personas.shop).values_list("pk", flat=True))


def test_sending_a_batch_hands_each_message_to_its_own_task(monkeypatch):
    from notifications.tasks import messages_send

    sent: list[int] = []
    monkeypatch.setattr("notifications.tasks.message_send.delay", sent.append)
    assert messages_send.run([3, 1, 2]) == 3
    assert sent == [3, 1, 2]


def test_customer_pages_never_show_a_staff_alert(personas, urgent_job, customer, client_as):
    sla_sweep(now=T)
    assert staff_messages(personas.shop).exists()
    client = client_as(personas.manager)

    pages = [
        client.get(reverse("works_order_messages", args=[urgent_job.number])),
        client.get(reverse("customer_messages", args=[customer.pk])),
        client.get(reverse("works_order_detail", args=[urgent_job.number])),
    ]

    for page in pages:
        assert page.status_code == 200
        assert "is at risk" not in page.content.decode()


def test_a_staff_alert_cannot_be_resent_as_a_customer_message(personas, urgent_job, client_as):
    sla_sweep(now=T)
    email = staff_messages(personas.shop).first()
    Message.objects.for_shop(personas.shop).filter(pk=email.pk).update(state=State.FAILED)

    response = client_as(personas.manager).post(
        reverse("message_resend"), {"message": email.pk, "attempt": 1}
    )

    assert response.status_code == 404
    assert staff_messages(personas.shop).count() == 2


def test_a_message_goes_to_a_customer_or_a_member_never_both_or_neither(personas, customer):
    def message(**to) -> None:
        with transaction.atomic():
            Message.objects.create(
                shop=personas.shop,
                stage=Stage.SLA_ALERT,
                channel=Channel.EMAIL,
                key=f"k{len(to)}{sorted(to)}",
                recipient="someone@example.com",
                body="x",
                **to,
            )

    for to in ({}, {"customer": customer, "member": personas.manager}):
        with pytest.raises(IntegrityError):
            message(**to)
    message(member=personas.manager)
    message(customer=customer)


def test_a_member_of_another_shop_cannot_be_the_recipient(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            shop=personas.shop,
            member=personas.outsider,
            stage=Stage.SLA_ALERT,
            channel=Channel.EMAIL,
            key="cross-shop",
            recipient="olly@example.com",
            body="x",
        )
        # The same-shop key is checked at commit (deferred); ask for it now.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


# Settings → Staff: the mobile number and the SMS choice ---------------------------------------


def staff_form(member, **changes) -> dict:
    return {
        "role": member.role,
        "branches": [b.pk for b in member.branches.all()],
        "skills": [],
        **changes,
    }


def test_a_manager_turns_on_sla_alerts_by_sms_with_their_mobile(personas, client_as):
    client = client_as(personas.manager)
    page = client.get(reverse("staff_edit", args=[personas.manager.pk])).content.decode()
    assert "SLA alerts by SMS" in page and "Mobile phone" in page

    response = client.post(
        reverse("staff_edit", args=[personas.manager.pk]),
        staff_form(personas.manager, mobile="07911 123457", sla_alerts_by_sms="on"),
    )

    assert response.status_code == 302
    personas.manager.refresh_from_db()
    assert (personas.manager.mobile, personas.manager.sla_alerts_by_sms) == (
        "+447911123457",
        True,
    )


def test_sla_alerts_by_sms_need_a_valid_mobile_number(personas, client_as):
    client = client_as(personas.manager)
    url = reverse("staff_edit", args=[personas.manager.pk])

    missing = client.post(url, staff_form(personas.manager, sla_alerts_by_sms="on"))
    wrong = client.post(url, staff_form(personas.manager, mobile="12345", sla_alerts_by_sms="on"))

    assert "Give a mobile number for SLA alerts by SMS." in missing.content.decode()
    assert "is not a valid phone number for GB" in wrong.content.decode()
    personas.manager.refresh_from_db()
    assert (personas.manager.mobile, personas.manager.sla_alerts_by_sms) == ("", False)


def test_sla_crossing_thresholds_are_named_in_the_alert_keys(personas, urgent_job):
    sla_sweep(now=T + 3 * HOUR)
    keys = {c.threshold: f"sla:{c.pk}" for c in SlaCrossing.objects.for_shop(personas.shop).all()}
    assert set(keys) == {SlaThreshold.AT_RISK, SlaThreshold.BREACHED}
    mine = set(
        Alert.objects.for_shop(personas.shop)
        .filter(member=personas.owner)
        .values_list("key", flat=True)
    )
    assert mine == set(keys.values())


def test_a_sweep_with_many_crossings_sends_each_manager_one_email_listing_them(personas):
    jobs = [WorksOrderFactory(branch=personas.branch, by=personas.front_desk) for _ in range(3)]
    for job in jobs:
        sla_set(job, risk=T - 2 * HOUR, due=T - HOUR)
    personas.manager.mobile, personas.manager.sla_alerts_by_sms = "+447911123457", True
    personas.manager.save(update_fields=["mobile", "sla_alerts_by_sms"])

    result = sla_sweep(now=T)

    assert (result.alerts, result.emails, result.sms) == (12, 2, 1)  # 6 crossings, 2 managers
    email = staff_messages(personas.shop, member=personas.manager, channel=Channel.EMAIL).get()
    assert email.subject == "SLA: 3 at risk, 3 breached"
    lines = email.body.splitlines()
    assert lines[0] == "SLA: 3 at risk, 3 breached."
    assert f"{jobs[0].number} is at risk: due Thu 10 Dec 13:00 (Standard, unassigned)" in lines
    assert sum("has breached its SLA" in line for line in lines) == 3
    assert lines[-1].startswith("All your alerts: http") and lines[-1].endswith("/alerts/")
    sms = staff_messages(personas.shop, member=personas.manager, channel=Channel.SMS).get()
    assert sms.body.startswith(f"SLA: 3 at risk, 3 breached. First: {jobs[0].number} is at risk")


def test_a_long_list_is_cut_short_and_counted(personas, monkeypatch):
    monkeypatch.setattr("notifications.sla_alerts.LISTED", 2)
    jobs = [WorksOrderFactory(branch=personas.branch, by=personas.front_desk) for _ in range(3)]
    for job in jobs:
        sla_set(job, risk=T - HOUR, due=T + HOUR)

    sla_sweep(now=T)

    email = staff_messages(personas.shop, member=personas.owner, channel=Channel.EMAIL).get()
    assert email.subject == "SLA: 3 at risk"
    assert sum("is at risk" in line for line in email.body.splitlines()) == 2
    assert "…and 1 more." in email.body
