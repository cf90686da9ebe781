"""Import and export of the pricebook CSV, for managers."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRefresh

from pricebook import csvfile, importer
from pricebook.access import get_import
from pricebook.exports import export_rows
from pricebook.forms import ImportUploadForm
from pricebook.models import ImportStatus, PricebookImport
from shops.access import ShopRequest, shop_member_required
from shops.models import MANAGERS

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "pricebook-sample.csv"
RECENT_IMPORTS = 10
SAMPLE_TABS = {
    # status: (before applying, after)
    importer.ADD: ("To add", "Added"),
    importer.CHANGE: ("To change", "Changed"),
    importer.UNCHANGED: ("Unchanged", "Unchanged"),
    importer.REJECTED: ("Rejected", "Rejected"),
}


@shop_member_required(*MANAGERS, to="import prices")
def import_page(request: ShopRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = importer.import_start(
                shop=request.shop, upload=form.cleaned_data["file"], by=request.member
            )
        except ValidationError as refused:
            form.add_error("file", refused)
        else:
            return redirect("pricebook_import_detail", import_id=upload.pk)
    context = {
        "form": form,
        "imports": PricebookImport.objects.for_shop(request.shop).select_related(
            "uploaded_by__user"
        )[:RECENT_IMPORTS],
        "columns": COLUMN_HELP,
        "inline_limit": importer.inline_limit(),
    }
    return render(request, "pricebook/import.html", context, status=400 if form.errors else 200)


@shop_member_required(*MANAGERS, to="import prices")
def import_detail(request: ShopRequest, import_id: int) -> HttpResponse:
    """The import's page; asked by htmx, only its progress (and a refresh once it is done)."""
    upload = get_import(request, import_id)  # first: another shop's import is a 404 to any method
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    working = upload.is_working and not importer.may_apply(upload)
    if request.htmx and not request.htmx.history_restore_request:
        response = (
            render(request, "pricebook/import_detail.html#progress", {"upload": upload})
            if working
            else HttpResponseClientRefresh()  # finished: the whole page shows the outcome
        )
    else:
        report = upload.result or upload.preview
        context = {
            "upload": upload,
            "working": working,
            "may_apply": importer.may_apply(upload),
            "report": report,
            "samples": _samples(upload, report),
            "additions": _additions(report),
        }
        response = render(request, "pricebook/import_detail.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _samples(upload: PricebookImport, report: dict) -> list[tuple[str, str, list]]:
    """(status, tab label with its count, sample rows) for the sample tabs."""
    if not report:
        return []
    applied = upload.status == ImportStatus.APPLIED
    return [
        (status, f"{labels[applied]} ({report['counts'][status]:,})", report["samples"][status])
        for status, labels in SAMPLE_TABS.items()
    ]


def _additions(report: dict) -> str:
    """What the import adds to the catalogue, in words: "12 device models and 40 parts"."""
    new = report.get("new", {})
    words = [
        f"{count:,} {noun}{'s' if count != 1 else ''}"
        for noun, count in (
            ("device model", new.get("device_models", 0)),
            ("repair type", new.get("repair_types", 0)),
            ("part", new.get("parts", 0)),
        )
        if count
    ]
    return " and ".join(", ".join(words).rsplit(", ", 1)) if words else ""


@shop_member_required(*MANAGERS, to="import prices")
def import_apply(request: ShopRequest, import_id: int) -> HttpResponse:
    upload = get_import(request, import_id)
    if request.method != "POST":
        return redirect("pricebook_import_detail", import_id=upload.pk)
    try:
        importer.import_apply_start(upload=upload, by=request.member)
    except importer.ImportBusy as busy:
        messages.warning(request, str(busy))
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    return redirect("pricebook_import_detail", import_id=upload.pk)


@shop_member_required(*MANAGERS)
@require_GET
def export(request: ShopRequest) -> StreamingHttpResponse:
    """The whole pricebook in the import's format, streamed: the same file imports back."""
    name = f"pricebook-{request.shop.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(
        csvfile.write(export_rows(request.shop)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@shop_member_required(*MANAGERS)
@require_GET
def sample(request: ShopRequest) -> FileResponse:
    return FileResponse(
        SAMPLE.open("rb"),
        as_attachment=True,
        filename="pricebook-sample.csv",
        content_type="text/csv; charset=utf-8",
    )


# What each column means, for the import page (pricebook.csvfile is the reference).
COLUMN_HELP = [
    ("category", "for a new model", "phone, tablet, laptop, console, watch or other"),
    ("make", "yes", "Apple, Samsung…"),
    ("model", "yes", "as your catalogue names it, e.g. iPhone 13 (any capitals)"),
    (
        "repair_type",
        "yes",
        "Screen replacement, Battery replacement…; a new name adds one",
    ),
    ("grade", "", "oem, aftermarket or refurbished; empty for a repair not sold by grade"),
    ("price", "yes", "what the customer pays, e.g. 89.99 (incl. or excl. VAT per your settings)"),
    ("labour_minutes", "", "bench time in whole minutes (new: 0)"),
    ("warranty_days", "", "whole days (new: 90)"),
    ("active", "", "yes or no: offered at intake (new: yes)"),
    ("part_number", "", "the part the option uses; leave the part columns empty for none"),
    ("part_name", "for a new part", "e.g. iPhone 13 screen assembly (OEM)"),
    ("part_cost", "", "what one costs you, excl. VAT (new: 0.00)"),
    ("part_quantity", "", "how many the repair uses (new: 1)"),
]
