"""Staff pages for messages: the thread, resend, writing to a customer, templates, alerts."""

urlpatterns: list = []
