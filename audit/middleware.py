from django.http import HttpRequest, HttpResponse

from audit.context import SYSTEM, acting


class AuditContextMiddleware:
    """Changes made while answering a request are recorded as by its member, from its URL.

    After CurrentShopMiddleware, which knows the member. A request with no member (the status
    page, a webhook) is "system" unless its view says who it speaks for (`@acting_as`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        member = getattr(request, "member", None)
        source = f"{request.method} {request.path}"
        if member is not None:
            with acting(member=member, source=source):
                return self.get_response(request)
        with acting(name=SYSTEM, source=source):
            return self.get_response(request)
