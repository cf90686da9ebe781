"""Billing's addresses without a staff login: the Pay button on the customer's status page
(next to its other actions under /s/<token>/) and Stripe's webhook (next to Twilio's)."""

from django.urls import path

from billing import online

urlpatterns = [
    path("s/<str:token>/pay/", online.status_pay, name="status_pay"),
    path("hooks/stripe/", online.stripe_webhook, name="stripe_webhook"),
]
