"""Inbound SMS: STOP/START, YES/NO answers to an approval, and other text threaded on the job."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customers.models import Customer
from notifications.models import Alert, InboundMessage, InboundOutcome, Message, Stage
from tests.factories import CustomerFactory, WorksOrderFactory
from tests.notifications.conftest import signed_post
from tickets import services
from tickets.lifecycle import works_order_advance
from tickets.models import Approval, Status
from tickets.services import ConsentData

INBOUND = "/hooks/twilio/inbound/"
PHONE = "+447911123456"
sids = iter(range(1, 10_000))


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr("notifications.services._enqueue", lambda message_id: None)


def sms_in(body: str, *, sid: str | None = None, sender: str = PHONE):
    sid = sid or f"SMin{next(sids):030d}"
    response = signed_post(
        INBOUND, {"MessageSid": sid, "From": sender, "To": "+447700900000", "Body": body}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert "<Response/>" in response.content.decode()
    return sid


def waiting_for_approval(personas, works_order) -> Approval:
    works_order_advance(
        works_order=works_order,
        step="assign",
        by=personas.front_desk,
        technician=personas.technician,
    )
    works_order_advance(works_order=works_order, step="start", by=personas.technician)
    port = services.LineData(description="Charging port", unit_price=Decimal("60.00"))
    services.extra_work_add(
        works_order=works_order, line=port, reason="Port corroded", by=personas.technician
    )
    works_order.refresh_from_db()
    assert works_order.status == Status.AWAITING_APPROVAL
    return Approval.objects.for_shop(personas.shop).get(works_order=works_order)


def replies(customer) -> list[str]:
    return list(
        Message.objects.for_shop(customer.shop)
        .filter(stage=Stage.REPLY)
        .values_list("body", flat=True)
    )


@pytest.mark.parametrize(
    "word", ["STOP", "stop", "StopAll", "UNSUBSCRIBE", "cancel", "END", "quit"]
)
def test_stop_and_its_synonyms_opt_the_customer_out(twilio, customer, word):
    sms_in(word)
    customer.refresh_from_db()
    assert customer.sms_opted_out_at is not None
    assert customer.sms_opt_out_word == word.upper()
    assert InboundMessage.objects.for_shop(customer.shop).get().outcome == InboundOutcome.OPTED_OUT


@pytest.mark.parametrize("word", ["START", "yes", "Unstop"])
def test_start_opts_back_in(twilio, customer, word):
    sms_in("STOP")
    sms_in(word)
    customer.refresh_from_db()
    assert customer.sms_opted_out_at is None and customer.sms_opt_out_word == ""


@pytest.mark.parametrize("text", ["YES {code}", "yes{code}", "  Yes, {code}. "])
def test_yes_with_the_code_approves_the_waiting_job(twilio, personas, customer, works_order, text):
    approval = waiting_for_approval(personas, works_order)
    sid = sms_in(text.format(code=approval.reply_code))
    approval.refresh_from_db()
    works_order.refresh_from_db()
    assert approval.approved is True and approval.method == "sms" and approval.decided_by is None
    assert approval.evidence["provider_id"] == sid
    assert approval.evidence["text"] == text.format(code=approval.reply_code)
    assert approval.evidence["new_gross"] == str(approval.new_gross)
    assert works_order.status == Status.IN_PROGRESS
    assert InboundMessage.objects.for_shop(personas.shop).get().outcome == InboundOutcome.APPROVED


def test_no_with_the_code_declines(twilio, personas, customer, works_order):
    approval = waiting_for_approval(personas, works_order)
    sms_in(f"no {approval.reply_code}")
    approval.refresh_from_db()
    assert approval.approved is False
    works_order.refresh_from_db()
    assert works_order.status == Status.IN_PROGRESS


def test_the_same_reply_delivered_twice_is_acted_on_once(twilio, personas, customer, works_order):
    approval = waiting_for_approval(personas, works_order)
    sid = sms_in(f"YES {approval.reply_code}")
    sms_in(f"YES {approval.reply_code}", sid=sid)
    assert InboundMessage.objects.for_shop(personas.shop).count() == 1
    assert replies(customer) == []  # not told "already answered" by its own replay


def test_a_wrong_code_approves_nothing_and_gets_help_and_an_alert(
    twilio, personas, customer, works_order
):
    approval = waiting_for_approval(personas, works_order)
    wrong = "0000" if approval.reply_code != "0000" else "1111"
    sms_in(f"YES {wrong}")
    approval.refresh_from_db()
    assert approval.approved is None
    [answer] = replies(customer)
    assert "could not match" in answer
    assert Alert.objects.for_shop(personas.shop).filter(member=personas.technician).exists()


def test_a_late_reply_changes_nothing_and_says_so(twilio, personas, customer, works_order):
    approval = waiting_for_approval(personas, works_order)
    services.approval_record(
        works_order=works_order, approved=False, method="phone", by=personas.front_desk
    )
    sms_in(f"YES {approval.reply_code}")
    approval.refresh_from_db()
    assert approval.approved is False
    assert "already answered" in replies(customer)[0]


def test_the_same_code_on_two_jobs_is_ambiguous_and_approves_neither(
    twilio, personas, customer, works_order
):
    first = waiting_for_approval(personas, works_order)
    other_job = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        customer=customer,
        consent=ConsentData(method="on_behalf", signed_name="Dee Lane"),
    )
    second = waiting_for_approval(personas, other_job)
    Approval.objects.for_shop(personas.shop).filter(pk=second.pk).update(
        reply_code=first.reply_code
    )
    sms_in(f"YES {first.reply_code}")
    assert set(Approval.objects.for_shop(personas.shop).values_list("approved", flat=True)) == {
        None
    }
    assert "more than one" in replies(customer)[0]


def test_yes_without_a_code_while_an_approval_waits_asks_for_the_code(
    twilio, personas, customer, works_order
):
    approval = waiting_for_approval(personas, works_order)
    sms_in("Yes")
    approval.refresh_from_db()
    assert approval.approved is None
    assert "followed by the code" in replies(customer)[0]


def test_another_customers_code_is_not_theirs_to_approve(twilio, personas, works_order):
    approval = waiting_for_approval(personas, works_order)
    stranger = CustomerFactory(shop=personas.shop, phone="+447922000111")
    sms_in(f"YES {approval.reply_code}", sender=stranger.phone)
    approval.refresh_from_db()
    assert approval.approved is None


def test_other_text_is_threaded_onto_the_open_job_and_the_technician_is_alerted(
    twilio, personas, customer, works_order
):
    works_order_advance(
        works_order=works_order,
        step="assign",
        by=personas.front_desk,
        technician=personas.technician,
    )
    sid = sms_in("Can you also check the battery?")
    inbound = InboundMessage.objects.for_shop(personas.shop).get()
    assert (inbound.works_order, inbound.customer) == (works_order, customer)
    assert inbound.outcome == InboundOutcome.THREADED
    [alert] = Alert.objects.for_shop(personas.shop)
    assert alert.member == personas.technician and alert.key == f"sms:{sid}"
    assert "check the battery" in alert.text and works_order.number in alert.url
    sms_in("Can you also check the battery?", sid=sid)
    assert Alert.objects.for_shop(personas.shop).count() == 1


def test_unassigned_job_alerts_the_branch_desk_and_managers(twilio, personas, works_order):
    sms_in("When will it be ready?")
    alerted = set(Alert.objects.for_shop(personas.shop).values_list("member", flat=True))
    assert alerted == {personas.owner.pk, personas.manager.pk, personas.front_desk.pk}


def test_text_from_a_customer_without_an_open_job_lands_on_the_customer(twilio, personas, customer):
    sms_in("Thanks!")
    inbound = InboundMessage.objects.for_shop(personas.shop).get()
    assert inbound.customer == customer and inbound.works_order is None


def test_a_bad_signature_changes_nothing(twilio, customer):
    response = signed_post(
        INBOUND,
        {"MessageSid": "SMx", "From": PHONE, "To": "+447700900000", "Body": "STOP"},
        signature="bad",
    )
    assert response.status_code == 403
    assert not InboundMessage.objects.all_shops().exists()
    assert Customer.objects.for_shop(customer.shop).get().sms_opted_out_at is None
