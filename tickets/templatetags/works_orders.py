import base64
import datetime
from urllib.parse import quote as url_quote

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime

from shops.money import format_money
from shops.templatetags.ui import badge, day, day_and_time, text, truncated
from tickets.board import CLOCK_STOPPED, DONE
from tickets.models import Event, NoteKind, Status
from tickets.selectors import ListRow
from tickets.sla_status import SlaStatus

register = template.Library()

STATUS_COLOURS = {
    "intake": "secondary",
    "assigned": "info",
    "in_progress": "primary",
    "awaiting_parts": "warning",
    "awaiting_approval": "warning",
    "quality_control": "info",
    "ready": "success",
    "collected": "dark",
    "cancelled": "light",
}
PRIORITY_COLOURS = {"standard": "light", "urgent": "danger", "vip": "warning", "warranty": "info"}


@register.filter
def bench_time(minutes: int | None) -> str:
    """Minutes of bench work as people say them: "45 min", "2 h", "2 h 29 min" (never days:
    a day of bench work is not 24 hours of it)."""
    if minutes is None or minutes == "":
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@register.filter
def png_data_uri(data: bytes | memoryview | None) -> str:
    """Stored PNG bytes (e.g. a signature) as an <img src> that needs no URL of its own."""
    if not data:
        return ""
    return "data:image/png;base64," + base64.b64encode(bytes(data)).decode()


def _entry_border(entry) -> str:
    if entry.note_kind == NoteKind.CUSTOMER:
        return "border-success"
    return "border-warning" if entry.event == Event.NOTE else "border-secondary-subtle"


@register.simple_tag
def timeline_entry(entry) -> SafeString:
    """One entry of a job's timeline (an <li>), written here rather than in the template: the
    page draws every entry the job has, and each was some fifteen template nodes."""
    data = entry.data if isinstance(entry.data, dict) else {}
    who = data.get("via") or (entry.actor and entry.actor.user.full_name)
    note = entry.event == Event.NOTE
    label = entry.get_note_kind_display() if note else entry.get_event_display()
    said = format_html(": {}", linebreaksbr(entry.text, autoescape=True)) if entry.text else ""
    return format_html(
        '<li class="border-start border-3 ps-3 pb-3 {}">\n'
        '          <div class="small text-body-secondary">{} · {}</div>\n'
        "          <div><strong>{}</strong>{}</div>\n"
        "        </li>",
        _entry_border(entry),
        date_format(template_localtime(entry.at), "j M, H:i"),
        who or "Benchdesk",
        label,
        said,
    )


@register.simple_tag
def status_badge(works_order) -> SafeString:
    colour = STATUS_COLOURS.get(works_order.status, "secondary")
    return badge(works_order.get_status_display(), colour)


@register.simple_tag
def priority_badge(works_order) -> SafeString:
    colour = PRIORITY_COLOURS.get(works_order.priority, "light")
    return badge(works_order.get_priority_display(), colour)


# The SLA as a badge: a word and an icon as well as a colour, never the colour alone.
SLA_BADGES = {
    SlaStatus.ON_TRACK: (
        "bg-success-subtle text-success-emphasis border border-success-subtle",
        "clock",
    ),
    SlaStatus.AT_RISK: (
        "bg-warning-subtle text-warning-emphasis border border-warning-subtle",
        "exclamation-triangle",
    ),
    SlaStatus.BREACHED: ("text-bg-danger", "exclamation-octagon"),
    "met": ("bg-success-subtle text-success-emphasis border border-success-subtle", "check-circle"),
}


def sla_state(works_order) -> tuple[str, str, str] | None:
    """(style, label, note) of a works order annotated with `sla_status` (tickets.sla_status),
    or None when it has no SLA to show (no SLA due time, or cancelled)."""
    status = getattr(works_order, "sla_status", "")
    if not status or works_order.status == Status.CANCELLED:
        return None
    label = SlaStatus(status).label
    if status == SlaStatus.BREACHED and (
        works_order.status in DONE or works_order.sla_paused_at is None
    ):
        return status, label, "was due"
    if works_order.status in DONE:
        return "met", "Done in time", ""
    if works_order.sla_paused_at is not None:
        reason = CLOCK_STOPPED.get(works_order.status)
        return status, label, f"clock stopped ({reason})" if reason else "clock stopped"
    return status, label, "due"


def _local(when: datetime.datetime, works_order) -> datetime.datetime:
    # In the branch's time zone, as the board shows it.
    branch = getattr(works_order, "branch", None)
    return timezone.localtime(when, branch.tz) if branch is not None else timezone.localtime(when)


def shown_when(when: datetime.datetime, fmt: str) -> str:
    # The list's format written out (a row each); any other through Django's date format.
    return day_and_time(when) if fmt == "j M, H:i" else date_format(when, fmt)


@register.simple_tag
def sla_badge(
    works_order,
    *,
    when: bool = True,
    fmt: str = "j M, H:i",
    say_due: bool = True,
    stacked: bool = False,
) -> SafeString | str:
    """The SLA status badge, then (with `when`) the due time or why the clock is stopped:
    "[At risk] due 12 Mar, 16:00", "[Breached] was due 10 Mar, 12:00",
    "[On track] clock stopped (waiting for customer)". `say_due=False` leaves out the word
    "due" where the page has just said it (a breach still says "was due"); `stacked` puts the
    time under the badge (a table's narrow column)."""
    state = sla_state(works_order)
    if state is None:
        return ""
    style, label, note = state
    classes, icon = SLA_BADGES[style]
    # Written out with ui.text rather than format_html: the list draws one a row.
    shown = (
        f'<span class="badge sla-badge {classes}" data-sla="{text(works_order.sla_status)}">'
        f'<i class="bi bi-{icon}" aria-hidden="true"></i> {text(label)}</span>'
    )
    if not when or not note:
        return SafeString(shown)
    if note in ("due", "was due"):
        due = _local(works_order.sla_due_at, works_order)
        block = " d-block text-nowrap" if stacked else ""
        said = "" if note == "due" and not say_due else f"{note} "
        return SafeString(
            f'{shown} <span class="small{block}">{said}<time'
            f' datetime="{works_order.sla_due_at.isoformat()}">{text(shown_when(due, fmt))}'
            "</time></span>"
        )
    block = " d-block" if stacked else ""
    return SafeString(f'{shown} <span class="small{block}">{text(note)}</span>')


@register.simple_tag
def promised(works_order, fmt: str = "D j M, H:i") -> SafeString | str:
    """The completion staff promised, where it is not the SLA's own due time (to the minute)."""
    promise, due = works_order.estimated_completion, works_order.sla_due_at
    if promise is None:
        return ""
    if due is not None and promise.replace(second=0, microsecond=0) == due.replace(
        second=0, microsecond=0
    ):
        return ""
    shown = date_format(_local(promise, works_order), fmt)
    return format_html('<time datetime="{}">{}</time>', promise.isoformat(), shown)


def _row_links(context, row: ListRow) -> tuple[str, str]:
    """The row's links to the works order and the customer: each URL reversed once a page
    around a stand-in argument (two reverse() calls a row were a fifth of the list's drawing),
    the row's own put in its place quoted as reverse() quotes it."""
    around = context.render_context.get(_ROW_LINKS)
    if around is None:
        detail, _, after = reverse("works_order_detail", args=["N"]).rpartition("N")
        customer, _, customer_after = reverse("customer_detail", args=[0]).rpartition("0")
        around = context.render_context[_ROW_LINKS] = (detail, after, customer, customer_after)
    detail, after, customer, customer_after = around
    if row.number and "/" not in row.number:  # what the URL's str converter takes
        detail = f"{detail}{url_quote(row.number, safe=RFC3986_SUBDELIMS + '/~:@')}{after}"
    else:
        detail = reverse("works_order_detail", args=[row.number])
    return detail, f"{customer}{int(row.customer_id)}{customer_after}"


_ROW_LINKS = "works_orders.row_links"


@register.simple_tag(takes_context=True)
def works_order_row(context, works_order: ListRow) -> SafeString:
    """A row of the works-order list (a tickets.selectors.ListRow), written out here rather than
    as template markup (the same HTML): the list draws 25 a page, eleven cells of tags, filters
    and links each, which took 5.2 ms a page as markup and take 2.6–4.0 ms so, the badges
    written with ui.text."""
    wo, shop = works_order, context["shop"]
    device = text(wo.device)
    if wo.drop_off_at:
        device += '<br><span class="badge text-bg-info">Booked online</span>'
        if not wo.dropped_off_at:
            when = date_format(timezone.localtime(wo.drop_off_at), "j M H:i")
            device += f' <span class="small text-body-secondary">drop-off {when}</span>'
    if wo.assigned_name is not None:
        assigned = text(wo.assigned_name)
    else:
        assigned = '<span class="text-body-secondary">Unassigned</span>'
    if wo.quote_gross is not None:
        quote = text(format_money(wo.quote_gross, shop.currency))
    else:
        quote = '<span class="text-body-secondary">No quote</span>'
    muted = ' class="text-body-secondary"' if wo.status == Status.CANCELLED else ""
    detail, customer = _row_links(context, wo)
    return SafeString(
        f"<tr{muted}>"
        f'<th scope="row" class="text-nowrap"><a class="font-monospace" href="{detail}">'
        f"{text(wo.number)}</a></th>"
        f'<td class="text-nowrap">{day(wo.created_at)}</td>'
        f'<td><a class="link-body-emphasis" href="{customer}">'
        f"{text(wo.customer_name)}</a></td>"
        f"<td>{device}</td>"
        f'<td title="{text(wo.fault_reported)}">'
        f"{text(truncated(wo.fault_reported, 60))}</td>"
        f"<td>{priority_badge(wo)}</td>"
        f'<td class="text-nowrap">{status_badge(wo)}</td>'
        f'<td class="min-w-9r">{sla_badge(wo, stacked=True)}</td>'
        f'<td><span class="badge text-bg-light border font-monospace" '
        f'title="{text(wo.branch.name)}">{text(wo.branch.code)}</span></td>'
        f"<td>{assigned}</td>"
        f'<td class="text-end text-nowrap">{quote}</td></tr>'
    )
