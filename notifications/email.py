"""Email to customers (and alerts to staff) through Django's mail: HTML and plain text, from the
shop by name, with customers' replies going to the shop."""

from __future__ import annotations

import smtplib
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

if TYPE_CHECKING:
    from notifications.models import Message


class Transient(Exception):
    pass


class Permanent(Exception):
    pass


def send(message: Message) -> str:
    """Send the email; the Message-ID it went with."""
    shop = message.shop
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    message_id = f"<message-{message.pk}@{address.split('@')[-1] or 'benchdesk'}>"
    mail = EmailMultiAlternatives(
        subject=message.subject or shop.name,
        body=message.body,
        from_email=formataddr((shop.name, address)),
        to=[message.recipient],
        reply_to=[reply] if (reply := _reply_to(message)) else None,
        headers={"Message-ID": message_id},
    )
    html = message.html or render_to_string(
        "notifications/email.html", {"message": message, "shop": shop}
    )
    mail.attach_alternative(html, "text/html")
    try:
        mail.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise Permanent(str(error)) from error
    except (smtplib.SMTPException, OSError) as error:
        raise Transient(str(error)) from error
    return message_id


def _reply_to(message: Message) -> str:
    """Where the customer's reply goes: the branch's address, else the shop's, else the shop
    owner's sign-in address (replies must reach the shop, never a no-reply)."""
    from shops.models import Membership, Role

    if message.member_id is not None:
        return ""  # an alert to staff: nobody to answer
    branch = message.works_order.branch if message.works_order_id else None
    own = (branch.email if branch is not None else "") or message.shop.email
    if own:
        return own
    owner = (
        Membership.objects.filter(shop=message.shop, role=Role.OWNER, is_active=True)
        .order_by("joined_at", "pk")
        .values_list("user__email", flat=True)
        .first()
    )
    return owner or ""
