"""Staff pages for messages: the thread, resend, writing to a customer, templates, alerts."""

from django.urls import path

from notifications import views

urlpatterns = [
    path(
        "works-orders/<str:number>/messages/",
        views.works_order_messages,
        name="works_order_messages",
    ),
    path(
        "works-orders/<str:number>/messages/write/",
        views.works_order_write,
        name="works_order_write",
    ),
    path(
        "customers/<int:customer_id>/messages/", views.customer_messages, name="customer_messages"
    ),
    path("messages/resend/", views.message_resend, name="message_resend"),
    path("messages/sms-length/", views.sms_length, name="sms_length"),
    path("settings/messages/", views.message_templates, name="message_templates"),
    path(
        "settings/messages/preview/",
        views.message_template_preview,
        name="message_template_preview",
    ),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/bell/", views.alerts_bell, name="alerts_bell"),
    path("alerts/read/", views.alerts_read, name="alerts_read"),
]
