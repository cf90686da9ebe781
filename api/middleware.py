"""API requests: the shop comes from the key, never from a session."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from api import keys
from audit.context import acting
from shops import ratelimit

API_PREFIX = "/api/"
# Readable without a key: the description of the API, which holds no shop's data.
OPEN_PATHS = ("/api/v1/openapi.json", "/api/v1/docs")


def api_error(status: int, message: str, field: str | None = None, **headers) -> JsonResponse:
    response = JsonResponse({"errors": [{"field": field, "message": message}]}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class ApiKeyMiddleware:
    """For /api/ paths: no session shop; the key decides the shop (api.keys.key_for_request),
    each key is rate-limited, and what the request changes is recorded as done by the key."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        # A browser's session never reaches the API: only the key's shop does.
        request.shop = request.member = None
        request.memberships = []
        if request.path.startswith(OPEN_PATHS):
            return self.get_response(request)
        key = keys.key_for_request(request)
        if key is None:
            return api_error(
                401,
                "Send a valid, unrevoked API key: Authorization: Bearer bdk_…",
                WWW_Authenticate="Bearer",
            )
        limit = ratelimit.Limit("api-key", count=settings.API_RATE_PER_MINUTE, window=60)
        wait = ratelimit.hit(limit, f"key-{key.pk}")
        if wait:
            return api_error(429, "Too many requests for this key.", Retry_After=str(wait))
        with acting(
            member=request.member,
            name=keys.actor_name(key),
            via=keys.actor_name(key),
            source=f"API {request.method} {request.path}"[:300],
        ):
            response = self.get_response(request)
        response["Cache-Control"] = "private, no-store"
        return response
