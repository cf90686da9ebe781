from django.urls import path

from loaners import views

urlpatterns = [
    path("works-orders/<str:number>/loaner/", views.loaner_panel, name="loaner_panel"),
    path("works-orders/<str:number>/loaner/lend/", views.loaner_lend, name="loaner_lend"),
    path(
        "works-orders/<str:number>/loaner/<int:loan_id>/return/",
        views.loaner_return,
        name="loaner_return",
    ),
    path(
        "works-orders/<str:number>/loaner/<int:loan_id>/waive/",
        views.loaner_waive,
        name="loaner_waive",
    ),
    path("loaners/", views.loaners_list, name="loaners_list"),
    path("loaners/add/", views.loaner_add, name="loaner_add"),
    path("loaners/<int:loaner_id>/retire/", views.loaner_retire, name="loaner_retire"),
]
