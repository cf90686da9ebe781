"""How the SLA view words its figures: SLA status with colour and text, and spans of time."""

from __future__ import annotations

import datetime

from django import template
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime

from shops.templatetags.ui import text
from tickets.sla import duration_text
from tickets.sla_status import SlaStatus

register = template.Library()

# Colour and words and a shape: the status reads the same to someone who cannot tell red from
# amber, and to a screen reader.
SLA_LOOK = {
    SlaStatus.ON_TRACK.value: ("success", "bi-check-circle", "On track"),
    SlaStatus.AT_RISK.value: ("warning", "bi-exclamation-triangle", "At risk"),
    SlaStatus.BREACHED.value: ("danger", "bi-x-octagon", "Breached"),
    "": ("light border", "bi-dash-circle", "No SLA"),
}


@register.simple_tag
def sla_badge(status: str) -> SafeString:
    colour, icon, label = SLA_LOOK.get(status, SLA_LOOK[""])
    return format_html(
        '<span class="badge text-bg-{}"><i class="bi {}" aria-hidden="true"></i> {}</span>',
        colour,
        icon,
        label,
    )


@register.simple_tag
def moment(value: datetime.datetime | None) -> SafeString | str:
    """ "Sat 5 Dec, 14:30" in the shop's time, in a <time> element: the date filter's output,
    written out directly, as ui.day does (two rows of 50 each draw one)."""
    if value is None:
        return ""
    local = template_localtime(value)
    shown = (
        f"{WEEKDAYS_ABBR[local.weekday()]} {local.day} {MONTHS_3[local.month].title()}, "
        f"{local:%H:%M}"
    )
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), shown)


def _span(seconds: float) -> str:
    """'2 d 4 h', '6 h 5 min', '35 min': days of 24 hours, the two largest units."""
    minutes = int(abs(seconds) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else "under a minute"


@register.filter
def span(seconds: float | None) -> str:
    return "" if seconds is None else _span(seconds)


@register.filter
def hours(value: float | None) -> str:
    """Hours as a person reads them: '45 min', '3.5 h', '2 d 4 h'."""
    if value is None:
        return ""
    if value < 1:
        minutes = round(value * 60)
        return f"{minutes} min" if minutes else "under a minute"
    if value < 24:
        return f"{value:.1f} h".replace(".0 h", " h")
    return _span(value * 3600)


# A figure's change on the previous period, as an arrow and the word for screen readers.
TRENDS = {
    "up": SafeString(
        '<i class="bi bi-arrow-up-short" aria-hidden="true"></i>'
        '<span class="visually-hidden">up;</span>'
    ),
    "down": SafeString(
        '<i class="bi bi-arrow-down-short" aria-hidden="true"></i>'
        '<span class="visually-hidden">down;</span>'
    ),
}


@register.filter
def trend_mark(trend: str) -> SafeString:
    """A filter, not an include: the dashboard draws one beside each of its some 850 figures."""
    return TRENDS.get(trend, SafeString(""))


@register.simple_tag
def figure_cells(row, compared: bool) -> SafeString:
    """A dashboard row's figures, one <td> each: this period's (a link to the jobs behind it
    when it has one) and, compared, the previous period's under it with the trend. One tag a
    row, each cell written out with ui.text, not template markup or format_html: a month's
    dashboard draws some 700 figures, and building them was a third of the page's Python."""
    cells = []
    for cell in row.cells:
        now = text(cell.now)
        if cell.href:
            now = f'<a href="{text(cell.href)}">{now}</a>'
        before = (
            '<br><span class="small text-body-secondary text-nowrap">'
            f"{trend_mark(cell.trend)} was {text(cell.before)}</span>"
            if compared
            else ""
        )
        cells.append(
            f'<td data-label="{text(cell.label)}" class="text-end"><span>'
            f'<span class="text-nowrap">{now}</span>{before}</span></td>'
        )
    return SafeString("".join(cells))


@register.filter
def business_left(seconds: int | None) -> str:
    """Business time left as the rest of the app words it, or how long overdue."""
    if not isinstance(seconds, int | float):
        return ""
    span = duration_text(int(seconds))
    return f"{span} overdue" if seconds < 0 else f"{span} left"
