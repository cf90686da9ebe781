from django.urls import path

from api import views
from api.v1 import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("settings/api-keys/", views.api_keys, name="api_keys"),
    path("settings/api-keys/<int:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("settings/webhooks/", views.webhooks, name="webhooks"),
    path("settings/webhooks/log/", views.webhook_log, name="webhook_log"),
    path("settings/webhooks/<int:endpoint_id>/", views.webhook_edit, name="webhook_edit"),
    path(
        "settings/webhooks/<int:endpoint_id>/new-secret/",
        views.webhook_new_secret,
        name="webhook_new_secret",
    ),
    path(
        "settings/webhooks/deliveries/<int:delivery_id>/send-again/",
        views.webhook_send_again,
        name="webhook_send_again",
    ),
]
