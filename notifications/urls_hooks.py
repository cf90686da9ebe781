"""Provider webhooks: Twilio status callbacks and inbound SMS, signed."""

urlpatterns: list = []
