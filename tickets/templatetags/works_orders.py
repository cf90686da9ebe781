import base64

from django import template
from django.utils.safestring import SafeString

from shops.templatetags.ui import badge

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
def png_data_uri(data: bytes | memoryview | None) -> str:
    """Stored PNG bytes (e.g. a signature) as an <img src> that needs no URL of its own."""
    if not data:
        return ""
    return "data:image/png;base64," + base64.b64encode(bytes(data)).decode()


@register.simple_tag
def status_badge(works_order) -> SafeString:
    colour = STATUS_COLOURS.get(works_order.status, "secondary")
    return badge(works_order.get_status_display(), colour)


@register.simple_tag
def priority_badge(works_order) -> SafeString:
    colour = PRIORITY_COLOURS.get(works_order.priority, "light")
    return badge(works_order.get_priority_display(), colour)
