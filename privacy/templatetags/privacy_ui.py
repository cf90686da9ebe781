from django import template

from privacy.models import PrivacyRecord
from shops.models import MANAGERS

register = template.Library()


@register.inclusion_tag("privacy/panel.html", takes_context=True)
def privacy_panel(context, customer) -> dict:
    """The customer page's Privacy card: export and erase for managers, and what was done."""
    member = context["request"].member
    if member.role not in MANAGERS:
        return {"show": False}
    records = list(
        PrivacyRecord.objects.for_shop(customer.shop_id)
        .filter(customer=customer)
        .select_related("by__user")[:5]
    )
    erased = next((record for record in records if record.action == "erasure"), None)
    return {"show": True, "customer": customer, "records": records, "erased": erased}
