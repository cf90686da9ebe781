from django.http import HttpRequest, HttpResponse
from django_htmx.http import trigger_client_event

from tickets.services import TIMELINE_WRITTEN


class TimelineChangedMiddleware:
    """An HTMX request that wrote to a job's timeline (a loaner lent or taken back with its
    deposit, say: whatever made an entry) answers with the `timelineChanged` event: the
    works-order page's timeline entries, drawn before the panel changed, fetch themselves again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = TIMELINE_WRITTEN.set(False)
        try:
            response = self.get_response(request)
            written = TIMELINE_WRITTEN.get()
        finally:
            TIMELINE_WRITTEN.reset(token)
        if written and getattr(request, "htmx", False) and not response.streaming:
            trigger_client_event(response, "timelineChanged")
        return response
