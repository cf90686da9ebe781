from django.urls import path

from booking import views

urlpatterns = [
    path("book/<slug:slug>/", views.booking_page, name="booking_page"),
    path("book/<slug:slug>/booked/<str:token>/", views.booking_done, name="booking_done"),
    path("settings/booking/", views.booking_settings, name="booking_settings"),
]
