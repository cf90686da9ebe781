from django.urls import path

from privacy import views

urlpatterns = [
    path("customers/<int:customer_id>/export/", views.customer_export, name="customer_export"),
    path("customers/<int:customer_id>/erase/", views.customer_erase, name="customer_erase"),
    path("settings/privacy/", views.retention_settings, name="retention_settings"),
]
