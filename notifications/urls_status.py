"""The customer's status page: /s/<token>/ (no login)."""

from django.urls import path

from notifications import status

urlpatterns = [
    path("<str:token>/", status.status_page, name="status_page"),
    path("<str:token>/answer/", status.status_answer, name="status_answer"),
]
