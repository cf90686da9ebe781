from django.http import HttpRequest

from shops.middleware import active_memberships


def current_shop(request: HttpRequest) -> dict:
    member = getattr(request, "member", None)
    if member is None:
        return {}

    def other_shops():
        return [m.shop for m in active_memberships(request.user) if m.shop_id != member.shop_id]

    return {"shop": member.shop, "member": member, "other_shops": other_shops}
