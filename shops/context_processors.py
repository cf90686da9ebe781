from django.http import HttpRequest


def current_shop(request: HttpRequest) -> dict:
    member = getattr(request, "member", None)
    if member is None:
        return {}
    others = [m.shop for m in request.memberships if m.shop_id != member.shop_id]
    return {"shop": member.shop, "member": member, "other_shops": others}
