"""Mail-in writes: marking a works order as a mail-in (carrier and tracking numbers) and
recording the parcel's state as the carrier reports it. Each is one transaction with a
timeline entry; the customer reads the state on their status page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mailin.models import Carrier, MailIn, ParcelState
from shops.models import COUNTER, Membership
from tickets.models import Event, NoteKind, Status, WorksOrder
from tickets.services import record

# The parcel goes back only once the job is done (or called off).
RETURN_STATES = (ParcelState.SENT_BACK, ParcelState.DELIVERED)
DONE = (Status.READY, Status.COLLECTED, Status.CANCELLED)


def _counter(by: Membership) -> None:
    if by.role not in COUNTER:
        raise ValidationError("Only the counter records mail-in parcels.")


def mail_in_of(works_order: WorksOrder) -> MailIn | None:
    mail_ins = MailIn.objects.for_shop(works_order.shop_id)
    return mail_ins.filter(works_order_id=works_order.pk).first()


def _lock(works_order: WorksOrder) -> WorksOrder:
    """One parcel change to a job at a time."""
    jobs = WorksOrder.objects.for_shop(works_order.shop_id).select_for_update()
    return jobs.get(pk=works_order.pk)


@transaction.atomic
def mail_in_set(
    *,
    works_order: WorksOrder,
    carrier: str,
    inbound_tracking: str,
    return_tracking: str,
    by: Membership,
) -> MailIn:
    """Mark the job as a mail-in, or change its carrier and tracking numbers."""
    _counter(by)
    job = _lock(works_order)
    if carrier not in Carrier.values:
        raise ValidationError({"carrier": "Choose the carrier."})
    inbound, outbound = inbound_tracking.strip().upper(), return_tracking.strip().upper()
    mail_in = mail_in_of(job)
    if mail_in is None:
        if job.status in (Status.COLLECTED, Status.CANCELLED):
            raise ValidationError(f"{job.number} is closed.")
        mail_in = MailIn.objects.create(
            shop_id=job.shop_id,
            works_order=job,
            carrier=carrier,
            inbound_tracking=inbound,
            return_tracking=outbound,
            created_by=by,
        )
        text = f"Marked as mail-in by {mail_in.get_carrier_display()}"
        if inbound:
            text += f", tracking to us {inbound}"
    else:
        changed = []
        if mail_in.carrier != carrier:
            changed.append(f"carrier {dict(Carrier.choices)[carrier]}")
        if mail_in.inbound_tracking != inbound:
            changed.append(f"tracking to us {inbound or '(none)'}")
        if mail_in.return_tracking != outbound:
            changed.append(f"tracking back {outbound or '(none)'}")
        if not changed:
            return mail_in
        mail_in.carrier, mail_in.inbound_tracking, mail_in.return_tracking = (
            carrier,
            inbound,
            outbound,
        )
        mail_in.save(update_fields=["carrier", "inbound_tracking", "return_tracking"])
        text = "Mail-in changed: " + ", ".join(changed)
    record(job, Event.PARCEL, by, text, NoteKind.INTERNAL)
    return mail_in


@transaction.atomic
def parcel_state_set(*, works_order: WorksOrder, state: str, by: Membership) -> MailIn:
    """Record where the parcel is. Sending it back needs the job done and a tracking number."""
    _counter(by)
    job = _lock(works_order)
    mail_in = mail_in_of(job)
    if mail_in is None:
        raise ValidationError(f"{job.number} is not a mail-in.")
    if state not in ParcelState.values:
        raise ValidationError({"state": "Choose where the parcel is."})
    if state == mail_in.state:
        return mail_in
    if state in RETURN_STATES:
        if job.status not in DONE:
            raise ValidationError(
                {"state": "The device goes back once the job is ready (or cancelled)."}
            )
        if not mail_in.return_tracking:
            raise ValidationError({"state": "Add the tracking number of the parcel back first."})
    mail_in.state, mail_in.state_at = state, timezone.now()
    mail_in.save(update_fields=["state", "state_at"])
    label = mail_in.get_state_display()
    tracking = mail_in.tracking_now
    text = f"Parcel: {label}"
    if tracking:
        text += f" ({mail_in.get_carrier_display()} {tracking})"
    record(job, Event.PARCEL, by, text, NoteKind.INTERNAL)
    return mail_in
