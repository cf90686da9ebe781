from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from shops.views import coming

# Sections whose issues have not landed yet show a plain "coming" page.
coming_sections = [
    path("reports/", coming, {"section": "Reports"}, name="reports"),
]

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
    *coming_sections,
]

handler400 = "config.uploads.bad_request"  # uploads refused before they are read say what to do

admin.site.site_header = "Benchdesk administration (superusers)"
if settings.DEBUG:
    admin.site.site_title = "Benchdesk admin (development)"

handler403 = "shops.errors.permission_denied"
