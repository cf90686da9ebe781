from django.urls import path

from recurring import views

urlpatterns = [
    path("schedules/", views.schedule_list, name="schedules"),
    path("schedules/new/", views.schedule_new, name="schedule_new"),
    path("schedules/<int:schedule_id>/", views.schedule_detail, name="schedule_detail"),
]
