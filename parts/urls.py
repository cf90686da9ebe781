from django.urls import path

from parts.views import catalogue, purchasing, stock, stock_takes

ORDER = "stock/purchase-orders/<str:po_number>/"
TAKE = "stock/takes/<int:take_number>/"
PART = "stock/parts/<int:part_id>/"

urlpatterns = [
    path("stock/", stock.stock_page, name="stock"),
    path(
        "stock/<str:branch_code>/parts/<int:part_id>/reorder/",
        stock.stock_level_edit,
        name="stock_level_edit",
    ),
    path("stock/low/", stock.low_stock_page, name="low_stock"),
    path("stock/low/<str:branch_code>/order/", stock.low_stock_order, name="low_stock_order"),
    path("stock/trace/", stock.stock_trace, name="stock_trace"),
    path("stock/reports/", stock.stock_reports, name="stock_reports"),
    path("stock/parts/", catalogue.part_list, name="parts"),
    path("stock/parts/new/", catalogue.part_create, name="part_create"),
    path(PART, catalogue.part_detail, name="part_detail"),
    path(PART + "edit/", catalogue.part_edit, name="part_edit"),
    path(PART + "suppliers/", catalogue.supplier_part_add, name="supplier_part_add"),
    path(
        PART + "suppliers/<int:supplier_part_id>/remove/",
        catalogue.supplier_part_remove,
        name="supplier_part_remove",
    ),
    path(PART + "<str:kind>/", catalogue.stock_move, name="stock_move"),
    path("stock/suppliers/", purchasing.supplier_list, name="suppliers"),
    path("stock/suppliers/new/", purchasing.supplier_create, name="supplier_create"),
    path("stock/suppliers/<int:supplier_id>/", purchasing.supplier_edit, name="supplier_edit"),
    path("stock/purchase-orders/", purchasing.purchase_order_list, name="purchase_orders"),
    path(
        "stock/purchase-orders/new/", purchasing.purchase_order_create, name="purchase_order_create"
    ),
    path(ORDER, purchasing.purchase_order_detail, name="purchase_order_detail"),
    path(ORDER + "order.pdf", purchasing.purchase_order_pdf_view, name="purchase_order_pdf"),
    path(ORDER + "lines/", purchasing.po_line_add, name="po_line_add"),
    path(ORDER + "lines/<int:line_id>/remove/", purchasing.po_line_remove, name="po_line_remove"),
    path(ORDER + "send/", purchasing.purchase_order_send, name="purchase_order_send"),
    path(ORDER + "expected/", purchasing.purchase_order_expected, name="purchase_order_expected"),
    path(ORDER + "receive/", purchasing.purchase_order_receive, name="purchase_order_receive"),
    path(ORDER + "cancel/", purchasing.purchase_order_cancel, name="purchase_order_cancel"),
    path("stock/takes/", stock_takes.stock_take_list, name="stock_takes"),
    path("stock/takes/start/", stock_takes.stock_take_start, name="stock_take_start"),
    path(TAKE, stock_takes.stock_take_detail, name="stock_take_detail"),
    path(TAKE + "scan/", stock_takes.stock_take_scan, name="stock_take_scan"),
    path(TAKE + "counts/<int:part_id>/", stock_takes.stock_take_count, name="stock_take_count"),
    path(TAKE + "post/", stock_takes.stock_take_post, name="stock_take_post"),
    path(TAKE + "cancel/", stock_takes.stock_take_cancel, name="stock_take_cancel"),
]
