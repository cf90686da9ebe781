from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("shops.urls")),
    path("", include("tickets.urls")),
    path("", include("customers.urls")),
    path("", include("devices.urls")),
    path("", include("parts.urls")),
    path("", include("pricebook.urls")),
    path("s/", include("notifications.urls_status")),
    path("hooks/", include("notifications.urls_hooks")),
    path("", include("notifications.urls_staff")),
    path("", include("reports.urls")),
    path("", include("recurring.urls")),
    path("", include("loaners.urls")),
    path("", include("mailin.urls")),
    path("", include("booking.urls")),
    path("", include("billing.urls")),
    path("", include("billing.urls_public")),
    path("", include("privacy.urls")),
    path("", include("audit.urls")),
    path("", include("api.urls")),
]

handler400 = "config.uploads.bad_request"  # uploads refused before they are read say what to do

admin.site.site_header = "Benchdesk administration (superusers)"
if settings.DEBUG:
    admin.site.site_title = "Benchdesk admin (development)"

handler403 = "shops.errors.permission_denied"
