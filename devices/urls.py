from django.urls import path

from devices import views

urlpatterns = [
    path("devices/lookup/", views.device_lookup, name="device_lookup"),
]
