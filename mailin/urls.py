from django.urls import path

from mailin import views

urlpatterns = [
    path("works-orders/<str:number>/mail-in/", views.mail_in_panel, name="mail_in_panel"),
    path("works-orders/<str:number>/mail-in/save/", views.mail_in_set, name="mail_in_set"),
    path(
        "works-orders/<str:number>/mail-in/parcel/",
        views.parcel_state_set,
        name="parcel_state_set",
    ),
    path(
        "works-orders/<str:number>/mail-in/label-to-us.pdf",
        views.label_inbound,
        name="mail_in_label_inbound",
    ),
    path(
        "works-orders/<str:number>/mail-in/label-back.pdf",
        views.label_return,
        name="mail_in_label_return",
    ),
]
