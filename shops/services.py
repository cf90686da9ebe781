"""Writes for shops, branches and staff. Views call these; nothing else writes these models."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Subquery
from django.db.models.functions import Greatest
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import timezone

import tenancy
from devices.catalogue import catalogue_seed
from pricebook.starter import repair_types_seed
from shops import ratelimit, signin
from shops.models import (
    Branch,
    ClosedDate,
    Invitation,
    Membership,
    MembershipBranch,
    OpeningHours,
    PhotoStorage,
    Role,
    Shop,
    TermsVersion,
    User,
)

log = logging.getLogger(__name__)


class StaffRuleBroken(ValidationError):
    """A staff change the shop's rules do not allow (e.g. removing the last owner)."""


class PhotoStorageFull(ValidationError):
    """Photos that do not fit in what is left of the shop's photo storage allowance."""


@transaction.atomic
def shop_create(*, name: str, slug: str, owner: User, **fields: object) -> Shop:
    """A new shop with its owner, the first version of its terms, the starter catalogue and
    repair types."""
    shop = Shop.objects.create(name=name, slug=slug, **fields)
    TermsVersion.objects.create(shop=shop, version=shop.terms_version, text=shop.terms_text)
    Membership.objects.create(shop=shop, user=owner, role=Role.OWNER)
    PhotoStorage.objects.create(shop=shop)
    catalogue_seed(shop=shop)
    repair_types_seed(shop=shop)
    return shop


@transaction.atomic
def shop_update_settings(*, shop: Shop, changed_terms: bool) -> Shop:
    """Save settings; new terms wording becomes a new version that future consents refer to."""
    if changed_terms:
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        shop.terms_version = locked.terms_version + 1
        TermsVersion.objects.create(shop=shop, version=shop.terms_version, text=shop.terms_text)
    shop.save()
    return shop


def shop_update_workshop(*, shop: Shop) -> Shop:
    """Save how jobs move through the workshop (assignment, approval threshold, QC checks) and
    what customers are sent when (quiet hours, how long the status page stays open)."""
    shop.save(
        update_fields=[
            "auto_assign",
            "approval_threshold",
            "qc_checklist",
            "quiet_hours_from",
            "quiet_hours_until",
            "status_page_days",
        ]
    )
    return shop


def shop_storage_take(*, shop_id: int, size: int, photos: int) -> None:
    """Count `photos` photos of `size` bytes in all against the shop's allowance, or raise
    PhotoStorageFull and count nothing. Call it in the transaction that saves them: the row
    stays locked until that commits, so an upload at the same moment waits, then sees these."""
    fits = PhotoStorage.objects.filter(
        shop_id=shop_id,
        # Re-checked by PostgreSQL on the row as it is after a concurrent upload commits.
        used_bytes__lte=Subquery(Shop.objects.filter(pk=shop_id).values("photo_storage_quota"))
        - size,
    )
    change = {"used_bytes": F("used_bytes") + size, "photo_count": F("photo_count") + photos}
    if fits.update(**change):
        return
    storage = PhotoStorage.objects.filter(shop_id=shop_id).select_related("shop").first()
    if storage is None:  # a shop made before storage was counted, or not by shop_create
        PhotoStorage.objects.bulk_create([PhotoStorage(shop_id=shop_id)], ignore_conflicts=True)
        if fits.update(**change):
            return
        storage = PhotoStorage.objects.select_related("shop").get(shop_id=shop_id)
    quota = storage.shop.photo_storage_quota
    left = max(0, quota - storage.used_bytes)
    raise PhotoStorageFull(
        f"Not enough photo storage: {'this photo needs' if photos == 1 else 'these photos need'} "
        f"{filesizeformat(size)} and the shop has {filesizeformat(left)} left of its "
        f"{filesizeformat(quota)}. A manager can ask Benchdesk support for more "
        "(Settings → Shop shows what is used).",
        code="photo_storage_full",
    )


def shop_storage_release(*, shop_id: int, size: int, photos: int) -> None:
    """Give back what deleted photos took (never below nothing: a delete must not fail)."""
    PhotoStorage.objects.filter(shop_id=shop_id).update(
        used_bytes=Greatest(F("used_bytes") - size, 0),
        photo_count=Greatest(F("photo_count") - photos, 0),
    )


DEFAULT_HOURS = {day: (datetime.time(9), datetime.time(17, 30)) for day in range(5)} | {
    5: (datetime.time(10), datetime.time(16))
}


@transaction.atomic
def branch_create(*, branch: Branch, hours: dict | None = None) -> Branch:
    """Save a new branch with opening hours (Mon–Fri 9–17:30, Sat 10–16 unless given)."""
    branch.full_clean()
    branch.save()
    branch_set_hours(branch=branch, hours=DEFAULT_HOURS if hours is None else hours)
    return branch


@transaction.atomic
def branch_set_hours(
    *, branch: Branch, hours: dict[int, tuple[datetime.time, datetime.time]]
) -> None:
    """Replace the weekly hours; a weekday missing from `hours` is closed."""
    OpeningHours.objects.for_shop(branch.shop_id).filter(branch=branch).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(shop_id=branch.shop_id, branch=branch, weekday=day, opens=opens, closes=closes)
        for day, (opens, closes) in sorted(hours.items())
    )


def closed_date_remove(*, closed_date: ClosedDate) -> None:
    closed_date.delete()


def holiday_opening_set(*, branch: Branch, day: datetime.date, name: str, is_open: bool) -> None:
    """Whether the branch opens on this public holiday of its own (SLA promises count it as a
    business day then). Saying the same twice changes nothing; a day also entered as a closed
    date is refused (ValidationError) rather than opened behind the shop's back."""
    rows = ClosedDate.objects.for_shop(branch.shop_id).filter(
        branch=branch, date=day, open_on_holiday=True
    )
    if not is_open:
        rows.delete()
        return
    row, _ = ClosedDate.objects.get_or_create(
        shop_id=branch.shop_id,
        branch=branch,
        date=day,
        defaults={"open_on_holiday": True, "reason": f"Open on {name}"[:120]},
    )
    if not row.open_on_holiday:  # the day is also in the closed dates: which does the shop mean?
        raise ValidationError(
            "This day is also in the closed dates above: remove it there first to open on it."
        )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def membership_signin_unlock(*, member: Membership, by: Membership) -> None:
    """Lift a sign-in lockout of someone who works in `by`'s shop, at once."""
    if member.shop_id != by.shop_id:
        raise StaffRuleBroken("Only their own shop's owners and managers can unlock someone.")
    signin.account_unlock(member.user.email)
    log.info("sign-in unlocked for member %s by member %s", member.pk, by.pk)


def _send_invitation_on_commit(invitation: Invitation, token: str, url: str) -> None:
    """Email the link once the invitation commits, unless this address was emailed in the last
    few minutes: `invitation.emailed` says which, and the staff page shows the link either way."""
    invitation.emailed = ratelimit.first_in_window(ratelimit.INVITATION_EMAIL, invitation.email)
    if invitation.emailed:
        transaction.on_commit(lambda: _send_invitation(invitation, token, url))


def _send_invitation(invitation: Invitation, token: str, accept_url: str) -> None:
    context = {"invitation": invitation, "shop": invitation.shop, "accept_url": accept_url}
    send_mail(
        subject=f"You're invited to {invitation.shop.name} on Benchdesk",
        message=render_to_string("shops/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_create(
    *,
    shop: Shop,
    email: str,
    role: Role,
    branches: Iterable[Branch],
    skills: list[str],
    by: Membership,
    build_url,
) -> tuple[Invitation, str]:
    """Invite someone by email; returns the invitation and its accept link (emailed on commit)."""
    email = email.strip().lower()
    if role == Role.OWNER and not by.is_owner:
        raise StaffRuleBroken("Only an owner can invite another owner.")
    if Membership.objects.for_shop(shop).filter(user__email__iexact=email, is_active=True).exists():
        raise StaffRuleBroken(f"{email} already works in this shop.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        shop=shop,
        email=email,
        role=role,
        branch_ids=[b.pk for b in branches],
        skills=skills,
        token_hash=_token_hash(token),
        invited_by=by,
        expires_at=timezone.now() + Invitation.LIFETIME,
    )
    invitation.validate_constraints()
    invitation.save()
    url = build_url(token)
    _send_invitation_on_commit(invitation, token, url)
    return invitation, url


@transaction.atomic
def invitation_resend(*, invitation: Invitation, build_url) -> str:
    """A fresh link and a fresh week; the old link stops working. Refused (nothing changes) when
    this address was emailed a link in the last few minutes: that link still works."""
    if invitation.accepted_at or invitation.revoked_at:
        raise StaffRuleBroken("This invitation is closed; send a new one.")
    limit = ratelimit.INVITATION_EMAIL
    if not ratelimit.first_in_window(limit, invitation.email):
        raise StaffRuleBroken(
            f"A link went to {invitation.email} less than {limit.window // 60} minutes ago and "
            "still works: ask them to look in their spam folder, or send another in a few minutes."
        )
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = timezone.now() + Invitation.LIFETIME
    invitation.save(update_fields=["token_hash", "expires_at"])
    url = build_url(token)
    transaction.on_commit(lambda: _send_invitation(invitation, token, url))
    return url


def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def invitation_by_token(token: str) -> Invitation | None:
    """The open invitation behind an accept link, whatever its shop (the token is the key)."""
    with tenancy.all_shops():
        invitation = (
            Invitation.objects.all_shops()
            .select_related("shop")
            .filter(token_hash=_token_hash(token))
            .first()
        )
    if invitation is None or not invitation.is_open:
        return None
    tenancy.set_shop(invitation.shop_id)  # the rest of the request is that shop's
    return invitation


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User | None = None, full_name: str = "", password: str = ""
) -> Membership:
    """Join the shop: an existing account gains a membership, a new person gets an account."""
    invitation = (
        Invitation.objects.for_shop(invitation.shop_id).select_for_update().get(pk=invitation.pk)
    )
    if not invitation.is_open:
        raise StaffRuleBroken("This invitation has already been used or has expired.")
    if user is None:
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is not None:
            raise StaffRuleBroken(
                "You already have an account: sign in first, then open the link again."
            )
        password_validation.validate_password(password)
        user = User.objects.create_user(invitation.email, password, full_name=full_name.strip())
    elif user.email.lower() != invitation.email.lower():
        raise StaffRuleBroken(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}."
        )

    member, _ = Membership.objects.for_shop(invitation.shop_id).get_or_create(
        user=user, defaults={"shop_id": invitation.shop_id, "role": invitation.role}
    )
    member.role, member.skills, member.is_active, member.deactivated_at = (
        invitation.role,
        invitation.skills,
        True,
        None,
    )
    member.save()
    branches = Branch.objects.for_shop(invitation.shop_id).filter(pk__in=invitation.branch_ids)
    _set_branches(member, branches)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return member


def _set_branches(member: Membership, branches: Iterable[Branch]) -> None:
    MembershipBranch.objects.for_shop(member.shop_id).filter(membership=member).delete()
    MembershipBranch.objects.bulk_create(
        MembershipBranch(shop_id=member.shop_id, membership=member, branch=branch)
        for branch in branches
    )


def _active_owners(shop_id: int):
    return Membership.objects.for_shop(shop_id).filter(role=Role.OWNER, is_active=True)


@transaction.atomic
def membership_update(
    *,
    member: Membership,
    role: Role,
    branches: Iterable[Branch],
    skills: list[str],
    by: Membership,
    mobile: str | None = None,
    sla_alerts_by_sms: bool | None = None,
    weekly_summary: bool | None = None,
) -> Membership:
    """Change role, branches and skills, within the rules on owners; and, when given, the
    mobile number, whether SLA alerts also come by SMS (only with a number) and whether the
    weekly summary email comes."""
    locked = Membership.objects.for_shop(member.shop_id).select_for_update().get(pk=member.pk)
    if Role.OWNER in (role, locked.role) and role != locked.role and not by.is_owner:
        raise StaffRuleBroken("Only an owner can make someone an owner or change an owner's role.")
    if locked.role == Role.OWNER and role != Role.OWNER:
        _keep_an_owner(member)
    member.role, member.skills = role, skills
    changed = ["role", "skills"]
    if mobile is not None:
        member.mobile = mobile
        changed.append("mobile")
    if sla_alerts_by_sms is not None:
        member.sla_alerts_by_sms = sla_alerts_by_sms
        changed.append("sla_alerts_by_sms")
    if weekly_summary is not None:
        member.weekly_summary = weekly_summary
        changed.append("weekly_summary")
    if member.sla_alerts_by_sms and not member.mobile:
        raise StaffRuleBroken("SLA alerts by SMS need a mobile number.")
    member.save(update_fields=changed)
    _set_branches(member, branches)
    return member


def _keep_an_owner(leaving: Membership) -> None:
    # Lock every owner row so two managers demoting the last two owners at once can't both win.
    owners = list(_active_owners(leaving.shop_id).select_for_update().values_list("pk", flat=True))
    if owners == [leaving.pk]:
        raise StaffRuleBroken(
            "A shop needs at least one active owner. Make someone else owner first."
        )


@transaction.atomic
def membership_deactivate(*, member: Membership, by: Membership) -> Membership:
    """Switch off someone's access to this shop at once; their history stays."""
    if member.role == Role.OWNER and not by.is_owner:
        raise StaffRuleBroken("Only an owner can deactivate an owner.")
    if member.pk == by.pk:
        raise StaffRuleBroken("You cannot deactivate yourself.")
    if member.role == Role.OWNER:
        _keep_an_owner(member)
    member.is_active, member.deactivated_at = False, timezone.now()
    member.save(update_fields=["is_active", "deactivated_at"])
    return member


def membership_reactivate(*, member: Membership) -> Membership:
    member.is_active, member.deactivated_at = True, None
    member.save(update_fields=["is_active", "deactivated_at"])
    return member


def shop_update_retention(*, shop: Shop) -> Shop:
    """Save how long the shop keeps photos and customer messages (privacy's nightly sweep)."""
    shop.save(update_fields=["photo_retention_months", "message_retention_months"])
    return shop
