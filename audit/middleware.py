from django.http import HttpRequest, HttpResponse

from audit.context import SYSTEM, acting, source_is


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

    def process_view(self, request: HttpRequest, view, args, kwargs) -> None:
        # A secret in the URL (a status link, an invitation, a password reset) stays out of the
        # trail: its segment is recorded as "…" (those tokens are stored only hashed elsewhere).
        secrets = [str(value) for name, value in kwargs.items() if "token" in name or "uid" in name]
        if secrets:
            path = request.path
            for secret in secrets:
                path = path.replace(secret, "…")
            source_is(f"{request.method} {path}")
