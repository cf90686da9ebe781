from django.urls import path

from billing import views

urlpatterns = [
    path("works-orders/<str:number>/billing/", views.billing_panel, name="billing_panel"),
    path("works-orders/<str:number>/billing/invoice/", views.invoice_issue, name="invoice_issue"),
    path("works-orders/<str:number>/billing/pay/", views.payment_take, name="payment_take"),
    path(
        "works-orders/<str:number>/billing/payments/<int:payment_id>/refund/",
        views.payment_refund,
        name="payment_refund",
    ),
    path(
        "works-orders/<str:number>/billing/exemption/",
        views.exemption_grant,
        name="exemption_grant",
    ),
    path(
        "works-orders/<str:number>/billing/credit-note/",
        views.credit_note_issue,
        name="credit_note_issue",
    ),
    path("invoices/<str:invoice_number>/", views.invoice_page, name="invoice_page"),
]
