from django.urls import path

from audit import views

urlpatterns = [
    path("settings/audit/", views.audit_list, name="audit"),
]
