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
    path("invoices/<str:invoice_number>.pdf", views.invoice_pdf, name="invoice_pdf"),
    # The customer's copy, under their status link (see notifications/urls_status.py).
    path(
        "s/<str:token>/documents/<str:invoice_number>.pdf",
        views.status_document,
        name="status_document",
    ),
    path("billing/export/", views.accounting_export, name="accounting_export"),
    path("billing/till/", views.till_report, name="till_report"),
    path("billing/till/close/", views.till_close, name="till_close"),
]
