"""Everything Benchdesk holds about one customer, as one zip: `customer.json` and the files it
names (signatures, photos, invoice PDFs). Read only within the customer's shop."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from decimal import Decimal

from django.db import models
from django.utils import timezone

from billing.documents import document_pdf
from billing.models import DocumentFormat, Invoice, Payment, PaymentExemption
from customers.models import Customer
from devices.models import Device
from notifications.models import InboundMessage, Message
from tickets.models import (
    Approval,
    Consent,
    NoteKind,
    Photo,
    QuoteLine,
    TimelineEntry,
    WorksOrder,
)

# Never exported: keys and secrets of ours, not facts about the customer. The passcode is
# theirs, but the export says only whether one is held (it is erased when the job closes).
LEFT_OUT = {
    "shop",
    "status_token_hash",
    "status_link_version",
    "passcode_secret",
    "signature_png",
    "collection_signature_png",
    "image",
    "file",
    "reply_code",
    "key",
}


def _value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _row(obj: models.Model, **extra) -> dict:
    row = {}
    for field in obj._meta.concrete_fields:
        if field.name in LEFT_OUT:
            continue
        value = _value(getattr(obj, field.attname))
        if field.choices and value not in (None, ""):
            shown = getattr(obj, f"get_{field.name}_display", None)
            row[field.attname] = value
            if shown is not None and not isinstance(value, list):
                row[f"{field.name}_display"] = shown()
            continue
        row[field.attname] = value
    return row | extra


class _Zip:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED)

    def add(self, name: str, data: bytes) -> str:
        self.zip.writestr(name, data)
        return name


def customer_export_zip(customer: Customer) -> tuple[bytes, dict[str, int]]:
    """The zip's bytes and how many of each kind of thing it holds."""
    shop_id = customer.shop_id
    out = _Zip()
    jobs = list(
        WorksOrder.objects.for_shop(shop_id)
        .filter(customer=customer)
        .select_related("branch", "device")
        .order_by("created_at", "id")
    )
    job_ids = [job.pk for job in jobs]

    def of_jobs(model):
        return model.objects.for_shop(shop_id).filter(works_order_id__in=job_ids)

    lines = _grouped(of_jobs(QuoteLine).order_by("position", "id"))
    approvals = _grouped(of_jobs(Approval).order_by("requested_at", "id"))
    updates = _grouped(
        of_jobs(TimelineEntry).filter(note_kind=NoteKind.CUSTOMER).order_by("at", "id")
    )
    photos = _grouped(of_jobs(Photo).order_by("uploaded_at", "id"))
    consents = {consent.works_order_id: consent for consent in of_jobs(Consent)}

    works_orders = []
    for job in jobs:
        row = _row(
            job,
            branch=job.branch.name,
            passcode_held=job.passcode_secret is not None,
            lines=[_row(line) for line in lines.get(job.pk, [])],
            approvals=[_row(approval) for approval in approvals.get(job.pk, [])],
            updates_for_customer=[_row(entry) for entry in updates.get(job.pk, [])],
            photos=[],
        )
        if job.collection_signature_png:
            row["collection_signature_file"] = out.add(
                f"signatures/{job.number}-collection.png", bytes(job.collection_signature_png)
            )
        consent = consents.get(job.pk)
        if consent is not None:
            row["consent"] = _row(consent)
            if consent.signature_png:
                row["consent"]["signature_file"] = out.add(
                    f"signatures/{job.number}-consent.png", bytes(consent.signature_png)
                )
        for photo in photos.get(job.pk, []):
            with photo.image.open("rb") as image:
                name = out.add(f"photos/{job.number}-{photo.pk}.jpg", image.read())
            row["photos"].append(_row(photo, file=name))
        works_orders.append(row)

    documents = []
    for invoice in (
        Invoice.objects.for_shop(shop_id)
        .filter(works_order_id__in=job_ids)
        .select_related("works_order__branch", "credits")
        .prefetch_related("lines")
        .order_by("issued_at", "id")
    ):
        pdf = document_pdf(invoice, DocumentFormat.A4)
        with pdf.file.open("rb") as stored:
            name = out.add(f"invoices/{invoice.number}.pdf", stored.read())
        lines_billed = [_row(line) for line in invoice.lines.all()]
        documents.append(_row(invoice, lines=lines_billed, pdf_file=name))

    data = {
        "exported_at": timezone.now().isoformat(),
        "shop": customer.shop.name,
        "customer": _row(customer),
        "devices": [
            _row(device) for device in Device.objects.for_shop(shop_id).filter(customer=customer)
        ],
        "works_orders": works_orders,
        "messages_sent": [
            _row(message)
            for message in Message.objects.for_shop(shop_id)
            .filter(customer=customer)
            .order_by("created_at", "id")
        ],
        "messages_received": [
            _row(message)
            for message in InboundMessage.objects.for_shop(shop_id)
            .filter(customer=customer)
            .order_by("received_at", "id")
        ],
        "invoices_and_credit_notes": documents,
        "payments": [
            _row(payment)
            for payment in Payment.objects.for_shop(shop_id)
            .filter(works_order_id__in=job_ids)
            .order_by("taken_at", "id")
        ],
        "payment_exemptions": [
            _row(exemption)
            for exemption in PaymentExemption.objects.for_shop(shop_id).filter(
                works_order_id__in=job_ids
            )
        ],
    }
    out.add("customer.json", json.dumps(data, indent=2, ensure_ascii=False).encode())
    out.zip.close()
    counts = {
        "works_orders": len(works_orders),
        "devices": len(data["devices"]),
        "messages": len(data["messages_sent"]) + len(data["messages_received"]),
        "photos": sum(len(row["photos"]) for row in works_orders),
        "invoices": len(documents),
    }
    return out.buffer.getvalue(), counts


def _grouped(rows) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.works_order_id, []).append(row)
    return grouped
