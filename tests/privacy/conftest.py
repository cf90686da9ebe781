"""A customer with everything Benchdesk can hold about them, each item naming them somewhere."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from PIL import Image

from billing.documents import document_pdf
from billing.models import DocumentFormat, Invoice
from customers.models import Customer
from notifications.models import Alert, DeliveryReport, InboundMessage, Message
from parts.services import stock_receive, stock_use
from tests.factories import CustomerFactory, PartFactory, WorksOrderFactory
from tests.payments import pay_in_full
from tickets.models import Approval, NoteKind, Status, WorksOrder
from tickets.services import ConsentData, LineData, note_add, photos_add

NAME = "Zebedee Quartermaine"
PHONE = "+447700900987"
NATIONAL = "07700 900987"
EMAIL = "zebedee.q@example.net"
PASSCODE = "493817"
ADDRESS = "14 Larkspur Mews\nKidderminster DY10 9ZZ"


def jpeg() -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, "JPEG")
    return ContentFile(out.getvalue(), name="photo.jpg")


def signature_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 40), "white").save(out, "PNG")
    return out.getvalue()


@dataclass
class History:
    customer: Customer
    closed: WorksOrder
    invoice: Invoice


def customer_with_history(
    personas, *, name=NAME, phone=PHONE, email=EMAIL, branch=None, by=None, n=1
) -> History:
    """A collected, invoiced and paid job (photo, signatures, passcode, notes, messages both
    ways, an approval with its evidence, a part used from stock) naming the customer."""
    branch = branch or personas.branch
    by = by or personas.manager
    shop = branch.shop
    customer = CustomerFactory(shop=shop, full_name=name, phone=phone, email=email, address=ADDRESS)
    job = WorksOrderFactory(
        branch=branch,
        by=by,
        customer=customer,
        consent=ConsentData(method="signature", signed_name=name, signature_png=signature_png()),
        passcode=PASSCODE,
        passcode_kind="pin",
        lines=[LineData(description="Screen replacement", unit_price=Decimal("100.00"))],
        fault_reported=f"{name} dropped it; call {NATIONAL} or {email}",
    )
    photos_add(works_order=job, images=[jpeg()], by=by, caption="Crack on arrival")
    note_add(
        works_order=job, text=f"Hi {name}, the screen is on order.", kind=NoteKind.CUSTOMER, by=by
    )
    note_add(works_order=job, text=f"Rang {phone} about it", kind=NoteKind.INTERNAL, by=by)
    Approval.objects.create(
        shop=shop,
        works_order=job,
        previous_gross=Decimal("120.00"),
        new_gross=Decimal("150.00"),
        reason=f"Battery too, agreed with {name}",
        requested_by=by,
        approved=True,
        method="web",
        evidence={
            "ip": "203.0.113.77",
            "user_agent": "Mozilla/5.0 Zebphone",
            "new_gross": "150.00",
        },
    )
    part = PartFactory(shop=shop)
    stock_receive(part=part, branch=branch, quantity=3, by=by, unit_cost=Decimal("20.00"))
    stock_use(part=part, branch=branch, quantity=1, works_order=job, by=by)
    WorksOrder.objects.for_shop(shop).filter(pk=job.pk).update(status=Status.READY)
    job.refresh_from_db()
    pay_in_full(job, by)
    invoice = Invoice.objects.for_shop(shop).get(works_order=job)
    document_pdf(invoice, DocumentFormat.A4)
    WorksOrder.objects.for_shop(shop).filter(pk=job.pk).update(
        status=Status.COLLECTED, collected_by_name=name, collection_signature_png=signature_png()
    )
    sms = Message.objects.create(
        shop=shop,
        works_order=job,
        customer=customer,
        stage="ready",
        channel="sms",
        key=f"ready:test-{n}:sms",
        recipient=phone,
        body=f"Hi {name.split()[0]}, your phone is ready.",
        state="delivered",
        provider_id=f"SMtest{n}",
    )
    Message.objects.create(
        shop=shop,
        works_order=job,
        customer=customer,
        stage="ready",
        channel="email",
        key=f"ready:test-{n}:email",
        recipient=email,
        subject=f"{name}: ready",
        body=f"Dear {name}, it is ready.",
        state="sent",
    )
    DeliveryReport.objects.create(
        provider_id=sms.provider_id, status="delivered", payload={"To": phone}
    )
    InboundMessage.objects.create(
        shop=shop,
        provider_id=f"SMin{n}",
        sender=phone,
        body=f"Thanks! {name}",
        customer=customer,
        works_order=job,
        outcome="threaded",
    )
    Alert.objects.create(shop=shop, member=by, key=f"reply:{n}", text=f"SMS reply from {name}")
    job.refresh_from_db()
    return History(customer=customer, closed=job, invoice=invoice)
