from django.urls import path

from tickets.views import bench, board, detail, intake, lists, printouts

urlpatterns = [
    path("works-orders/", lists.works_order_list, name="works_orders"),
    path("works-orders/new/", intake.intake, name="intake"),
    path("search/", lists.search, name="search"),
    path("works-orders/<str:number>/", detail.works_order_detail, name="works_order_detail"),
    path("works-orders/<str:number>/passcode/", detail.passcode_reveal, name="passcode_reveal"),
    path("works-orders/<str:number>/photos/", detail.photo_add, name="photo_add"),
    path("works-orders/<str:number>/photos/<int:photo_id>/", detail.photo_file, name="photo_file"),
    path("works-orders/<str:number>/consent/", detail.consent_record, name="consent_record"),
    path("works-orders/<str:number>/notes/", detail.note_add, name="note_add"),
    path("works-orders/<str:number>/cancel/", detail.works_order_cancel, name="works_order_cancel"),
    path("works-orders/<str:number>/receipt.pdf", printouts.receipt_pdf, name="receipt_pdf"),
    path("works-orders/<str:number>/tag.pdf", printouts.tag_pdf, name="tag_pdf"),
    path("works-orders/<str:number>/diagnosis/", bench.diagnosis, name="diagnosis"),
    path("works-orders/<str:number>/timer/", bench.timer, name="timer"),
    path("works-orders/<str:number>/time/", bench.time_entry, name="time_entry"),
    path("works-orders/<str:number>/extra-work/", bench.extra_work, name="extra_work"),
    path("works-orders/<str:number>/approval/", bench.approval, name="approval"),
    path("works-orders/<str:number>/final-price/", bench.final_price, name="final_price"),
    path("works-orders/<str:number>/plan/", bench.plan, name="works_order_plan"),
    path("works-orders/<str:number>/reassign/", bench.reassign, name="works_order_reassign"),
    path("works-orders/<str:number>/parts/", bench.part_needed, name="part_needed"),
    path("works-orders/<str:number>/parts/fitted/", bench.part_fitted, name="part_fitted"),
    path(
        "works-orders/<str:number>/parts/<int:part_line_id>/order/",
        bench.part_order,
        name="part_order",
    ),
    path("board/", board.board_page, name="board"),
    path("board/changed/", board.board_changed, name="board_changed"),
    path("board/move/", board.board_move, name="board_move"),
    path("board/pick-up/", board.board_pick_up, name="board_pick_up"),
    path("board/<str:number>/move/<str:step>/", board.board_move_form, name="board_move_form"),
]
