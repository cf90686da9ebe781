from django.urls import path

from pricebook.views import imports, pages

urlpatterns = [
    path("pricebook/", pages.pricebook, name="pricebook"),
    path("pricebook/new/", pages.entry_new, name="pricebook_entry_new"),
    path("pricebook/no-price/", pages.no_price, name="pricebook_no_price"),
    path("pricebook/<int:entry_id>/", pages.entry_detail, name="pricebook_entry"),
    path("pricebook/<int:entry_id>/edit/", pages.entry_edit, name="pricebook_entry_edit"),
    path("pricebook/<int:entry_id>/delete/", pages.entry_delete, name="pricebook_entry_delete"),
    path("pricebook/<int:entry_id>/options/", pages.option_add, name="pricebook_option_add"),
    path("pricebook/options/<int:option_id>/", pages.option_edit, name="pricebook_option_edit"),
    path(
        "pricebook/options/<int:option_id>/delete/",
        pages.option_delete,
        name="pricebook_option_delete",
    ),
    path(
        "pricebook/options/<int:option_id>/parts/",
        pages.option_part_add,
        name="pricebook_option_part_add",
    ),
    path(
        "pricebook/option-parts/<int:option_part_id>/remove/",
        pages.option_part_remove,
        name="pricebook_option_part_remove",
    ),
    path("pricebook/import/", imports.import_page, name="pricebook_import"),
    path(
        "pricebook/import/<int:import_id>/", imports.import_detail, name="pricebook_import_detail"
    ),
    path(
        "pricebook/import/<int:import_id>/apply/",
        imports.import_apply,
        name="pricebook_import_apply",
    ),
    path("pricebook/export.csv", imports.export, name="pricebook_export"),
    path("pricebook/sample.csv", imports.sample, name="pricebook_sample"),
]
