from django.urls import path

from customers import views

urlpatterns = [
    path("customers/", views.customer_list, name="customers"),
    path("customers/lookup/", views.customer_lookup, name="customer_lookup"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:customer_id>/edit/", views.customer_edit, name="customer_edit"),
]
