"""Writing to customers: which message each event produces, on which channel, in whose words.

`message_queue` is the one way a message comes to exist. It writes the outbox row in the
caller's transaction, keyed so that a second call for the same event finds the first row, and
asks a worker to send it after commit. Sending itself is notifications.tasks' business.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from customers.models import ContactMethod, Customer
from notifications import texts
from notifications.models import Channel, Message, MessageTemplate, Stage, State
from parts.models import PartStatus, PurchaseOrder, PurchaseOrderLine, WorksOrderPart
from shops.models import Branch, Membership, Shop
from shops.money import format_money
from tickets.models import Approval, WorksOrder

# The works order's status after a step → what the customer hears of it.
STAGE_OF_STATUS = {
    "assigned": Stage.ASSIGNED,
    "in_progress": Stage.IN_PROGRESS,
    "awaiting_parts": Stage.AWAITING_PARTS,
    "awaiting_approval": Stage.AWAITING_APPROVAL,
    "ready": Stage.READY,
    "collected": Stage.COLLECTED,
    "cancelled": Stage.CANCELLED,
}


@dataclass(frozen=True)
class Choice:
    """Where one stage's message goes, or why it goes nowhere."""

    channel: str | None
    recipient: str = ""
    why_not: str = ""  # said to staff when channel is None or the message cannot be sent


# Each process keeps each shop's own wordings (few rows, rarely changed) with the version of the
# shop row it read them at: telling a customer then costs no query for them.
_OWN_WORDING: dict[int, tuple[int, dict[tuple[str, str], texts.Wording]]] = {}


def wording(shop: Shop, stage: str, channel: str) -> texts.Wording:
    """The shop's own wording of this stage on this channel, or the default."""
    kept = _OWN_WORDING.get(shop.pk)
    if kept is None or kept[0] != shop.wording_version:
        own = {
            (row.stage, row.channel): texts.Wording(row.body, row.subject, row.enabled)
            for row in MessageTemplate.objects.for_shop(shop)
        }
        kept = _OWN_WORDING[shop.pk] = (shop.wording_version, own)
    return kept[1].get((stage, channel)) or texts.DEFAULTS[(stage, channel)]


def wording_changed(shop_id: int) -> None:
    """A wording was saved or removed: every process reads the shop's wordings again."""
    Shop.objects.filter(pk=shop_id).update(wording_version=F("wording_version") + 1)
    _OWN_WORDING.pop(shop_id, None)  # this process at once, whatever shop row it holds


def channel_choice(customer: Customer) -> Choice:
    """The customer's preferred channel, or the other one when the preferred is missing."""
    if customer.preferred_contact == ContactMethod.PHONE:
        return Choice(None, why_not="prefers a phone call: ring them")
    wanted = [Channel.SMS, Channel.EMAIL]
    if customer.preferred_contact == ContactMethod.EMAIL:
        wanted.reverse()
    opted_out = ""
    for channel in wanted:
        if channel == Channel.EMAIL and customer.email:
            return Choice(Channel.EMAIL, customer.email)
        if channel == Channel.SMS and customer.phone:
            if customer.sms_opted_out_at is None:
                return Choice(Channel.SMS, customer.phone)
            opted_out = opted_out_text(customer)
    if opted_out:
        return Choice(Channel.SMS, customer.phone, why_not=opted_out)
    return Choice(None, why_not="has no mobile number or email address on record")


def opted_out_text(customer: Customer) -> str:
    when = timezone.localtime(customer.sms_opted_out_at)
    word = customer.sms_opt_out_word or "STOP"
    return f"opted out of SMS (replied {word} on {when:%-d %b %Y})"


def sms_hold_until(branch: Branch, now: datetime.datetime) -> datetime.datetime:
    """When an SMS written `now` may go: now, or the end of the shop's quiet hours at the branch."""
    shop = branch.shop
    local = timezone.localtime(now, branch.tz)
    start, end = shop.quiet_hours_from, shop.quiet_hours_until
    at = local.time()
    if start == end:
        return now  # no quiet hours
    quiet = (start <= at or at < end) if start > end else (start <= at < end)
    if not quiet:
        return now
    day = local.date() if at < end else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, end, tzinfo=branch.tz)


PARTS_EXPECTED_SQL = f"""
SELECT max(o.expected_on)
  FROM {WorksOrderPart._meta.db_table} wp
  JOIN {PurchaseOrderLine._meta.db_table} l ON l.id = wp.po_line_id
  JOIN {PurchaseOrder._meta.db_table} o ON o.id = l.order_id
 WHERE wp.shop_id = %s AND wp.works_order_id = %s AND wp.status = %s
"""


class WorksOrderFields(Mapping):
    """Everything a message about this works order may say, as text, each worked out only when
    the wording uses it (the opening hours and the parts cost a query each)."""

    def __init__(
        self, works_order: WorksOrder, *, approval: Approval | None = None, note: str = ""
    ) -> None:
        self.works_order, self.approval, self.note = works_order, approval, note
        self._known: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in texts.FIELDS:
            raise KeyError(name)
        if name not in self._known:
            self._known[name] = getattr(self, f"_{name}")()
        return self._known[name]

    def __iter__(self):
        return iter(texts.FIELDS)

    def __len__(self) -> int:
        return len(texts.FIELDS)

    @cached_property
    def _lines(self) -> list:
        return list(self.works_order.lines.all())

    def _money(self, amount) -> str:
        return format_money(amount, self.works_order.shop.currency)

    def _quote(self):
        return sum((line.gross for line in self._lines), start=Decimal(0))

    def _first_name(self) -> str:
        names = self.works_order.customer.full_name.split()
        return names[0] if names else "there"

    def _customer_name(self) -> str:
        return self.works_order.customer.full_name

    def _number(self) -> str:
        return self.works_order.number

    def _device(self) -> str:
        return str(self.works_order.device)

    def _shop_name(self) -> str:
        return self.works_order.shop.name

    def _branch_name(self) -> str:
        return self.works_order.branch.name

    def _branch_phone(self) -> str:
        return self.works_order.branch.phone or "the shop"

    def _branch_address(self) -> str:
        branch = self.works_order.branch
        return " ".join(branch.address.split()) or branch.name

    def _opening_hours(self) -> str:
        rows = self.works_order.branch.opening_hours.all().order_by("weekday", "opens")
        return "\n".join(
            f"{row.get_weekday_display()} {row.opens:%H:%M}–{row.closes:%H:%M}" for row in rows
        )

    def _status_link(self) -> str:
        from tickets.qr import status_link

        return status_link(self.works_order)

    def _quote_total(self) -> str:
        return self._money(self._quote())

    def _final_price(self) -> str:
        final = self.works_order.final_price
        return self._money(final if final is not None else self._quote())

    def _what_was_done(self) -> str:
        return ", ".join(line.description for line in self._lines) or "the repair"

    def _warranty(self) -> str:
        days = getattr(self.works_order, "warranty_days", None)
        return f"{days} days from collection" if days else "as stated on your receipt"

    def _parts_expected(self) -> str:
        """When the last part on order should arrive: one small query (the bench's parts list,
        with the shelf's stock of each, is far more than a message needs), in SQL because it
        runs inside a card move, where building it through the ORM cost more than running it."""
        with connection.cursor() as cursor:
            cursor.execute(
                PARTS_EXPECTED_SQL,
                [self.works_order.shop_id, self.works_order.pk, PartStatus.ORDERED.value],
            )
            (latest,) = cursor.fetchone()
        return f", expected {latest:%A %-d %B}" if latest else ""

    def _extra_work(self) -> str:
        approval = self.approval
        if approval is None:
            return ""
        return (
            f"{approval.reason} (new total {self._money(approval.new_gross)}, "
            f"was {self._money(approval.previous_gross)})"
        )

    def _approval_code(self) -> str:
        return self.approval.reply_code if self.approval is not None else ""

    def _note(self) -> str:
        return self.note

    def _drop_off(self) -> str:
        when = self.works_order.drop_off_at
        if when is None:
            return "the day you agreed with us"
        return f"{timezone.localtime(when, self.works_order.branch.tz):%A %-d %B at %H:%M}"

    def _estimated_completion(self) -> str:
        when = self.works_order.ready_by
        if when is None:
            return "to be confirmed"
        return f"{timezone.localtime(when, self.works_order.branch.tz):%a %-d %b, %H:%M}"


def message_queue(
    *,
    customer: Customer,
    works_order: WorksOrder | None,
    stage: str,
    channel: str,
    key: str,
    body: str,
    subject: str = "",
    recipient: str = "",
    why_not: str = "",
    by: Membership | None = None,
) -> Message:
    """The outbox row for `key`, written now (or, if it was written before, left as it was);
    sent after commit unless `why_not` says why it cannot be (kept and shown as "not sent")."""
    shop = customer.shop
    now = timezone.now()
    message = Message(
        shop=shop,
        customer=customer,
        works_order=works_order,
        stage=stage,
        channel=channel,
        key=key[:120],
        recipient=recipient or (customer.phone if channel == Channel.SMS else customer.email),
        subject=subject[:200],
        body=body,
        created_by=by,
        created_at=now,
        state_changed_at=now,
        send_after=now,  # the field's default is a moment later than `now`: never "due" below
    )
    if why_not:
        message.state, message.not_sent_reason = State.NOT_SENT, why_not[:200]
    elif channel == Channel.SMS and works_order is not None:
        message.send_after = sms_hold_until(works_order.branch, now)
    # One statement, no savepoint: INSERT … ON CONFLICT (shop, key) DO UPDATE (a no-op) RETURNING
    # id, so a key queued before gives back the first row's id and adds nothing. Queuing that
    # id again is harmless: only one worker can claim a message (outbox.message_claim).
    Message.objects.bulk_create(
        [message], update_conflicts=True, unique_fields=["shop", "key"], update_fields=["key"]
    )
    if message.state == State.QUEUED and message.send_after <= now:
        transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def staff_email_queue(
    *, member: Membership, stage: str, key: str, subject: str, body: str, html: str = ""
) -> Message:
    """An email to a member of staff (not a customer), written once per key and sent after
    commit; kept as "not sent" when they have no address."""
    now = timezone.now()
    message = Message(
        shop=member.shop,
        member=member,
        stage=stage,
        channel=Channel.EMAIL,
        key=key[:120],
        recipient=member.user.email,
        subject=subject[:200],
        body=body,
        html=html,
        created_at=now,
        state_changed_at=now,
        send_after=now,
    )
    if not member.user.email:
        message.state, message.not_sent_reason = State.NOT_SENT, "No email address."
    Message.objects.bulk_create(
        [message], update_conflicts=True, unique_fields=["shop", "key"], update_fields=["key"]
    )
    if message.state == State.QUEUED:
        transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _enqueue(message_id: int) -> None:
    from notifications.publisher import message_send_queue

    message_send_queue(message_id)


def stage_message(
    works_order: WorksOrder,
    stage: str,
    occasion: str,
    *,
    approval: Approval | None = None,
    note: str = "",
    by: Membership | None = None,
) -> Message | None:
    """The message this stage sends the customer (None when the shop sends none for it).

    `occasion` names the event (a timeline entry): with the stage and channel it makes the key,
    so the same event never writes twice, while the same stage reached again (a second wait
    for parts) is news again."""
    # One shop row for all of them: the job, its customer and its branch each read it otherwise.
    shop = works_order.shop
    customer = works_order.customer
    customer.shop = shop
    works_order.branch.shop = shop
    choice = channel_choice(customer)
    channel = choice.channel or (Channel.SMS if customer.phone else Channel.EMAIL)
    words = wording(shop, stage, channel)
    if not words.enabled:
        return None
    fields = WorksOrderFields(works_order, approval=approval, note=note)
    return message_queue(
        customer=customer,
        works_order=works_order,
        stage=stage,
        channel=channel,
        key=f"{stage}:{occasion}:{channel}",
        body=texts.render(words.body, fields),
        subject=texts.render(words.subject, fields),
        recipient=choice.recipient,
        why_not=choice.why_not,
        by=by,
    )


# Staff writing and resending ------------------------------------------------------------------


def why_not_to(customer: Customer, channel: str) -> str:
    """Why this customer cannot be written to on `channel` ("" when they can)."""
    if channel == Channel.SMS:
        if not customer.phone:
            return "no mobile number on record"
        if customer.sms_opted_out_at is not None:
            return opted_out_text(customer)
        return ""
    return "" if customer.email else "no email address on record"


def message_resend(*, message: Message, attempt: int, by: Membership) -> Message:
    """A new message with the same words as `message`, to the customer's details as they are
    now; `attempt` (the form's count) makes the key, so a double click sends once."""
    customer = message.customer
    return message_queue(
        customer=customer,
        works_order=message.works_order,
        stage=message.stage,
        channel=message.channel,
        key=f"resend:{message.pk}:{attempt}",
        body=message.body,
        subject=message.subject,
        why_not=why_not_to(customer, message.channel),
        by=by,
    )


def message_write(
    *,
    works_order: WorksOrder,
    channel: str,
    body: str,
    subject: str,
    token: str,
    by: Membership,
) -> Message:
    """Staff's own words to the works order's customer, once per form (`token`)."""
    customer = works_order.customer
    if channel == Channel.EMAIL and not subject:
        subject = f"{works_order.number}: a message from {works_order.shop.name}"
    return message_queue(
        customer=customer,
        works_order=works_order,
        stage=Stage.FREE_TEXT,
        channel=channel,
        key=f"free:{token}",
        body=body,
        subject=subject,
        why_not=why_not_to(customer, channel),
        by=by,
    )


def message_template_save(
    *, shop: Shop, stage: str, channel: str, enabled: bool, subject: str, body: str, by: Membership
) -> MessageTemplate:
    """The shop's wording of this stage on this channel, kept as plain text."""
    template, _ = MessageTemplate.objects.update_or_create(
        shop=shop,
        stage=stage,
        channel=channel,
        defaults={"enabled": enabled, "subject": subject, "body": body, "updated_by": by},
    )
    return template


def message_template_reset(*, shop: Shop, stage: str, channel: str) -> None:
    """Back to the default wording (texts.DEFAULTS)."""
    MessageTemplate.objects.for_shop(shop).filter(stage=stage, channel=channel).delete()


# Alerts -------------------------------------------------------------------------------------


def alert_add(*, member: Membership, key: str, text: str, url: str = "") -> None:
    """An alert for `member`, once per key however often its cause is reported."""
    from notifications.models import Alert

    Alert.objects.bulk_create(
        [Alert(shop=member.shop, member=member, key=key[:120], text=text[:300], url=url[:300])],
        ignore_conflicts=True,
    )


def alerts_mark_read(*, member: Membership, alert_id: int | None = None) -> int:
    """Marks one of `member`'s alerts read, or all of them; returns how many changed."""
    from notifications.models import Alert

    unread = Alert.objects.for_shop(member.shop).filter(member=member, read_at=None)
    if alert_id is not None:
        unread = unread.filter(pk=alert_id)
    return unread.update(read_at=timezone.now())
