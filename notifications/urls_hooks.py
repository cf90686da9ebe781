"""Provider webhooks: Twilio status callbacks and inbound SMS, signed."""

from django.urls import path

from notifications import webhooks

urlpatterns = [
    path("twilio/status/", webhooks.twilio_status, name="twilio_status"),
    path("twilio/inbound/", webhooks.twilio_inbound, name="twilio_inbound"),
]
