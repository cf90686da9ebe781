"""The customer's status page: /s/<token>/ (no login)."""

urlpatterns: list = []
