from django.urls import path

from reports import views

urlpatterns = [
    path("reports/", views.reports_index, name="reports"),
    path("reports/sla/", views.sla_view, name="sla_view"),
    path("reports/open-repair-data/", views.ords_export, name="ords_export"),
    path("reports/dashboard/", views.dashboard, name="kpi_dashboard"),
]
