"""The lifecycle is enforced: every step, every guard, who may take it, and two people at once."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import services as billing
from tests.factories import DeviceFactory, WorksOrderFactory
from tests.payments import pay_in_full
from tickets import services
from tickets.lifecycle import auto_assign, pick_up_next, works_order_advance, works_order_reassign
from tickets.models import Approval, Event, Priority, Status, TransitionRefused, WorksOrder
from tickets.services import ConsentData, LineData


def book(personas, *, consent=True, **details) -> WorksOrder:
    return WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee") if consent else None,
        **details,
    )


def advance(works_order, step, by, **inputs) -> WorksOrder:
    return works_order_advance(works_order=works_order, step=step, by=by, **inputs)


def at_qc(personas) -> WorksOrder:
    works_order = book(personas)
    advance(works_order, "assign", personas.front_desk, technician=personas.technician)
    advance(works_order, "start", personas.technician)
    services.timer_start(works_order=works_order, by=personas.technician)
    services.timer_stop(works_order=works_order, by=personas.technician)
    services.final_price_set(
        works_order=works_order, amount=Decimal("120.00"), reason="", by=personas.technician
    )
    return advance(works_order, "submit_for_qc", personas.technician)


def all_pass(shop) -> dict:
    return {item: {"ok": True, "note": ""} for item in shop.qc_checklist}


def test_a_job_cannot_leave_intake_without_consent(personas):
    works_order = book(personas, consent=False)
    with pytest.raises(TransitionRefused, match="Record the customer's consent"):
        advance(works_order, "assign", personas.front_desk, technician=personas.technician)
    works_order.refresh_from_db()
    assert works_order.status == Status.INTAKE


def test_assignment_needs_a_technician_of_that_branch(personas):
    works_order = book(personas)
    with pytest.raises(TransitionRefused, match="not an active technician"):
        advance(works_order, "assign", personas.front_desk, technician=personas.manager)
    other_technician = personas.second_technician
    personas.technician.membershipbranch_set.all().delete()
    with pytest.raises(TransitionRefused, match="does not work at"):
        advance(works_order, "assign", personas.front_desk, technician=personas.technician)
    advance(works_order, "assign", personas.front_desk, technician=other_technician)
    assert works_order.assigned_to == other_technician and works_order.assigned_at


def test_the_whole_happy_path_writes_the_timeline(personas):
    works_order = at_qc(personas)
    advance(works_order, "pass_qc", personas.second_technician, results=all_pass(personas.shop))
    pay_in_full(works_order, personas.front_desk)
    advance(
        works_order,
        "collect",
        personas.front_desk,
        signed_name="Dee Customer",
        signature_png=None,
    )
    works_order.refresh_from_db()
    assert works_order.status == Status.COLLECTED
    assert works_order.passcode_secret is None and works_order.collected_at
    steps = [
        e.data.get("step") for e in works_order.timeline.order_by("at", "id") if e.data.get("step")
    ]
    assert steps == ["assign", "start", "submit_for_qc", "pass_qc", "collect"]
    moved = works_order.timeline.get(data__step="start")
    assert (moved.actor, moved.data["source"], moved.data["target"]) == (
        personas.technician,
        "assigned",
        "in_progress",
    )


def test_qc_cannot_be_signed_by_the_repairer(personas):
    works_order = at_qc(personas)
    with pytest.raises(TransitionRefused, match="someone other than the technicians who worked"):
        advance(works_order, "pass_qc", personas.technician, results=all_pass(personas.shop))


def test_qc_needs_the_whole_checklist_passed(personas):
    works_order = at_qc(personas)
    partial = dict(list(all_pass(personas.shop).items())[:3])
    with pytest.raises(TransitionRefused, match="Finish the QC checklist"):
        advance(works_order, "pass_qc", personas.second_technician, results=partial)


def test_qc_needs_a_final_price_first(personas):
    works_order = book(personas)
    advance(works_order, "assign", personas.front_desk, technician=personas.technician)
    advance(works_order, "start", personas.technician)
    with pytest.raises(TransitionRefused, match=r"Set the final price \(or mark the job no charge"):
        advance(works_order, "submit_for_qc", personas.technician)
    works_order.refresh_from_db()
    assert works_order.status == Status.IN_PROGRESS


def test_the_final_price_can_be_given_on_the_way_to_qc_and_a_refusal_keeps_neither(personas):
    works_order = book(personas)
    advance(works_order, "assign", personas.front_desk, technician=personas.technician)
    advance(works_order, "start", personas.technician)
    with pytest.raises(ValidationError, match="Say why the price differs"):
        advance(works_order, "submit_for_qc", personas.technician, amount=Decimal("0"), reason="")
    works_order.refresh_from_db()
    assert (works_order.status, works_order.final_price) == (Status.IN_PROGRESS, None)
    advance(
        works_order, "submit_for_qc", personas.technician, amount=Decimal("0"), reason="Goodwill"
    )
    works_order.refresh_from_db()
    assert (works_order.status, works_order.final_price) == (Status.QUALITY_CONTROL, Decimal(0))


def test_the_repairer_hears_first_that_qc_is_someone_elses(personas):
    """Maker-checker comes before what the job lacks, so the repairer hears the right reason."""
    works_order = at_qc(personas)
    WorksOrder.objects.for_shop(personas.shop).filter(pk=works_order.pk).update(final_price=None)
    works_order.refresh_from_db()  # a job that reached QC before prices were required there
    with pytest.raises(TransitionRefused, match="someone other than the technicians who worked"):
        advance(works_order, "pass_qc", personas.technician, results=all_pass(personas.shop))
    with pytest.raises(TransitionRefused, match="Set the final price"):
        advance(works_order, "pass_qc", personas.second_technician, results=all_pass(personas.shop))


def test_failed_qc_goes_back_to_the_bench_with_the_reasons(personas):
    works_order = at_qc(personas)
    results = all_pass(personas.shop) | {"Camera works": {"ok": False, "note": "Focus hunts"}}
    advance(works_order, "fail_qc", personas.manager, results=results)
    works_order.refresh_from_db()
    assert works_order.status == Status.IN_PROGRESS and works_order.qc_failures == 1
    assert works_order.qc_results["Camera works"]["note"] == "Focus hunts"


def test_collection_needs_payment_or_an_exemption_and_a_name(personas):
    works_order = at_qc(personas)
    advance(works_order, "pass_qc", personas.second_technician, results=all_pass(personas.shop))
    kwargs = {"signed_name": "Dee", "signature_png": None}
    with pytest.raises(TransitionRefused, match="Issue the invoice and take payment first"):
        advance(works_order, "collect", personas.front_desk, **kwargs)
    with pytest.raises(TransitionRefused, match="signs or types their name"):
        advance(works_order, "collect", personas.front_desk, **kwargs | {"signed_name": " "})
    billing.payment_exemption_grant(
        works_order=works_order, kind="warranty", note="Warranty repair", by=personas.manager
    )
    advance(works_order, "collect", personas.front_desk, **kwargs)
    assert works_order.status == Status.COLLECTED


@pytest.mark.parametrize(
    ("step", "role"),
    [
        ("collect", "technician"),
        ("pass_qc", "front_desk"),
        ("start", "front_desk"),
        ("cancel", "technician"),
    ],
)
def test_roles_that_may_not_take_a_step_are_told_so(personas, step, role):
    works_order = book(personas)
    with pytest.raises(TransitionRefused, match="cannot"):
        advance(works_order, step, getattr(personas, role), reason="x")


def test_a_technician_cannot_start_a_colleagues_job_or_assign_someone_else(personas):
    works_order = book(personas)
    with pytest.raises(TransitionRefused, match="pick jobs up for themselves"):
        advance(works_order, "assign", personas.technician, technician=personas.second_technician)
    advance(works_order, "assign", personas.front_desk, technician=personas.technician)
    with pytest.raises(TransitionRefused, match="Jack's job"):
        advance(works_order, "start", personas.second_technician)


def test_only_a_manager_reassigns_a_started_job(personas):
    works_order = book(personas)
    advance(works_order, "assign", personas.front_desk, technician=personas.technician)
    advance(works_order, "start", personas.technician)
    with pytest.raises(TransitionRefused, match="Only a manager"):
        works_order_reassign(
            works_order=works_order, technician=personas.second_technician, by=personas.front_desk
        )
    works_order_reassign(
        works_order=works_order, technician=personas.second_technician, by=personas.manager
    )
    assert works_order.assigned_to == personas.second_technician


def test_a_move_that_is_not_the_next_step_says_where_the_job_is(personas):
    works_order = book(personas)
    with pytest.raises(TransitionRefused, match="is intake: “Send to QC” is not the next step"):
        advance(works_order, "submit_for_qc", personas.manager)


def test_two_people_moving_the_same_card_one_wins_and_the_other_is_told(personas):
    works_order = book(personas)
    advance(works_order, "assign", personas.front_desk, technician=personas.technician)
    mine = WorksOrder.objects.for_shop(personas.shop).get(pk=works_order.pk)
    theirs = WorksOrder.objects.for_shop(personas.shop).get(pk=works_order.pk)
    advance(mine, "start", personas.technician)
    with pytest.raises(TransitionRefused, match="was just moved by Jack Morgan"):
        advance(theirs, "cancel", personas.manager, reason="Customer changed their mind")
    works_order.refresh_from_db()
    assert works_order.status == Status.IN_PROGRESS and not works_order.cancel_reason
    assert works_order.timeline.filter(event=Event.CANCELLED).count() == 0


def test_extra_work_above_the_threshold_waits_for_approval_then_carries_on(personas):
    works_order = at_qc(personas)
    advance(
        works_order, "fail_qc", personas.manager, results={"Charges": {"ok": False, "note": "No"}}
    )
    small = LineData(description="Adhesive", unit_price=Decimal("5.00"))  # 120 → 126: within 10 %
    services.extra_work_add(works_order=works_order, line=small, reason="", by=personas.technician)
    assert works_order.status == Status.IN_PROGRESS
    port = LineData(description="Charging port", unit_price=Decimal("40.00"), kind="part")
    services.extra_work_add(
        works_order=works_order, line=port, reason="Port corroded", by=personas.technician
    )
    works_order.refresh_from_db()
    assert works_order.status == Status.AWAITING_APPROVAL
    with pytest.raises(TransitionRefused, match="record their approval"):
        advance(works_order, "resume", personas.technician)

    services.approval_record(
        works_order=works_order, approved=True, method="phone", by=personas.front_desk
    )
    works_order.refresh_from_db()
    assert works_order.status == Status.IN_PROGRESS and works_order.agreed_gross == Decimal(
        "174.00"
    )
    approval = Approval.objects.for_shop(personas.shop).get()
    assert (approval.method, approval.decided_by) == ("phone", personas.front_desk)


def test_declined_extra_work_returns_to_the_original_scope(personas):
    works_order = book(personas)
    advance(works_order, "assign", personas.front_desk, technician=personas.technician)
    advance(works_order, "start", personas.technician)
    port = LineData(description="Charging port", unit_price=Decimal("60.00"))
    services.extra_work_add(works_order=works_order, line=port, reason="", by=personas.technician)
    services.approval_record(
        works_order=works_order, approved=False, method="in_person", by=personas.manager
    )
    works_order.refresh_from_db()
    assert works_order.status == Status.IN_PROGRESS
    assert [line.description for line in works_order.lines.all()] == ["Screen replacement"]


def test_a_second_timer_on_the_same_job_is_refused(personas):
    works_order = book(personas)
    services.timer_start(works_order=works_order, by=personas.technician)
    with pytest.raises(ValidationError, match="already running"):
        services.timer_start(works_order=works_order, by=personas.technician)


def test_pick_up_next_takes_the_most_urgent_oldest_job_the_technician_can_do(personas):
    personas.technician.skills = ["phones"]
    personas.technician.save()
    standard = book(personas)
    urgent_laptop = book(
        personas,
        priority=Priority.URGENT,
        device=DeviceFactory(shop=personas.shop, category="laptop"),
    )
    vip = book(personas, priority=Priority.VIP)
    book(personas, consent=False, priority=Priority.VIP)  # cannot leave intake yet
    assert pick_up_next(by=personas.technician) == vip
    assert pick_up_next(by=personas.technician) == standard  # the laptop needs laptop skills
    assert pick_up_next(by=personas.technician) is None
    urgent_laptop.refresh_from_db()
    assert urgent_laptop.status == Status.INTAKE


def test_automatic_assignment_picks_the_least_busy_skilled_technician(personas):
    shop = personas.shop
    shop.auto_assign = True
    shop.save()
    for member in (personas.technician, personas.second_technician):
        member.skills = ["phones"]
        member.save()
    busy = book(personas)
    advance(busy, "assign", personas.front_desk, technician=personas.technician)
    fresh = auto_assign(works_order=book(personas), by=personas.front_desk)
    assert fresh.assigned_to == personas.second_technician
