from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass

import holidays as public_holidays
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from shops import services, signin
from shops.access import (
    ShopRequest,
    get_branch,
    get_invitation,
    get_member,
    shop_member_required,
)
from shops.forms import (
    AcceptInvitationForm,
    BranchForm,
    ClosedDateForm,
    InvitationForm,
    MembershipForm,
    OpeningHoursFormSet,
    ShopSettingsForm,
    WorkshopSettingsForm,
)
from shops.middleware import SESSION_KEY, active_memberships
from shops.models import (
    MANAGERS,
    Branch,
    ClosedDate,
    Invitation,
    Membership,
    OpeningHours,
    PhotoStorage,
    Shop,
)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@shop_member_required()
def dashboard(request: ShopRequest) -> HttpResponse:
    today = timezone.localdate()
    branches = (
        Branch.objects.for_shop(request.shop)
        .filter(is_active=True)
        .annotate(
            staff=Count("membershipbranch", filter=Q(membershipbranch__membership__is_active=True))
        )
        .prefetch_related(
            Prefetch(
                "opening_hours",
                queryset=OpeningHours.objects.for_shop(request.shop).filter(
                    weekday=today.weekday()
                ),
                to_attr="hours_today",
            ),
            Prefetch(
                "closed_dates",
                queryset=ClosedDate.objects.for_shop(request.shop).filter(
                    date__gte=today, open_on_holiday=False
                )[:3],
                to_attr="upcoming_closures",
            ),
        )
    )
    return render(request, "shops/dashboard.html", {"branches": branches, "today": today})


def no_shop(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    if getattr(request, "member", None) is not None:
        return redirect("dashboard")
    return render(request, "shops/no_shop.html")


@shop_member_required()
@require_POST
def switch_shop(request: ShopRequest) -> HttpResponse:
    target = (
        active_memberships(request.user).filter(shop__slug=request.POST.get("shop", "")).first()
    )
    if target is None:
        messages.error(request, "You are not a member of that shop.")
    else:
        request.session[SESSION_KEY] = target.shop_id
        messages.success(request, f"Now working in {target.shop.name}.")
    return redirect("dashboard")


# Settings: the shop itself -------------------------------------------------------------


@shop_member_required(*MANAGERS, to="change shop settings")
def shop_settings(request: ShopRequest) -> HttpResponse:
    form = ShopSettingsForm(request.POST or None, instance=request.shop)
    if request.method == "POST" and form.is_valid():
        services.shop_update_settings(
            shop=form.save(commit=False), changed_terms="terms_text" in form.changed_data
        )
        messages.success(request, "Shop settings saved.")
        return redirect("shop_settings")
    return render(
        request, "shops/settings.html", {"form": form, "storage": _photo_storage(request.shop)}
    )


def _photo_storage(shop: Shop) -> dict:
    storage = PhotoStorage.objects.filter(shop=shop).first() or PhotoStorage(shop=shop)
    quota = shop.photo_storage_quota
    return {
        "used": storage.used_bytes,
        "photos": storage.photo_count,
        "quota": quota,
        "percent": min(100, round(100 * storage.used_bytes / quota)) if quota else 100,
        "edge": settings.PHOTO_MAX_EDGE,
    }


@shop_member_required(*MANAGERS, to="change the workshop settings")
def workshop_settings(request: ShopRequest) -> HttpResponse:
    form = WorkshopSettingsForm(request.POST or None, instance=request.shop)
    if request.method == "POST" and form.is_valid():
        services.shop_update_workshop(shop=form.save(commit=False))
        messages.success(request, "Workshop settings saved.")
        return redirect("workshop_settings")
    return render(request, "shops/workshop_settings.html", {"form": form})


# Settings: branches --------------------------------------------------------------------


@shop_member_required(*MANAGERS, to="manage branches")
def branch_list(request: ShopRequest) -> HttpResponse:
    branches = Branch.objects.for_shop(request.shop).order_by("-is_active", "name")
    return render(request, "shops/branch_list.html", {"branches": branches})


def _hours_initial(branch: Branch | None) -> list[dict]:
    existing = {} if branch is None else {h.weekday: h for h in branch.opening_hours.all()}
    defaults = services.DEFAULT_HOURS if branch is None else {}
    rows = []
    for day in range(7):
        opens, closes = (
            (existing[day].opens, existing[day].closes)
            if day in existing
            else defaults.get(day, (None, None))
        )
        rows.append({"weekday": day, "opens": opens, "closes": closes})
    return rows


def _hours_from(formset) -> dict[int, tuple[datetime.time, datetime.time]]:
    return {
        form.cleaned_data["weekday"]: (form.cleaned_data["opens"], form.cleaned_data["closes"])
        for form in formset
        if form.cleaned_data.get("opens")
    }


@shop_member_required(*MANAGERS, to="manage branches")
def branch_create(request: ShopRequest) -> HttpResponse:
    form = BranchForm(request.POST or None, shop=request.shop)
    hours = OpeningHoursFormSet(request.POST or None, initial=_hours_initial(None), prefix="hours")
    if request.method == "POST" and form.is_valid() and hours.is_valid():
        branch = services.branch_create(branch=form.save(commit=False), hours=_hours_from(hours))
        messages.success(request, f"Branch {branch.name} added.")
        return redirect("branch_edit", branch_code=branch.code)
    return render(request, "shops/branch_form.html", {"form": form, "hours": hours, "branch": None})


@shop_member_required(*MANAGERS, to="manage branches")
def branch_edit(request: ShopRequest, branch_code: str) -> HttpResponse:
    branch = get_branch(request, branch_code)
    # The form gets its own copy: a refused POST leaves what was typed on its instance (a time
    # zone that does not exist, say), and the rest of the page shows the branch as it is stored.
    form = BranchForm(request.POST or None, instance=copy.copy(branch), shop=request.shop)
    hours = OpeningHoursFormSet(
        request.POST or None, initial=_hours_initial(branch), prefix="hours"
    )
    if request.method == "POST" and form.is_valid() and hours.is_valid():
        with transaction.atomic():
            branch = form.save()
            services.branch_set_hours(branch=branch, hours=_hours_from(hours))
        messages.success(request, f"{branch.name} saved.")
        return redirect("branch_edit", branch_code=branch.code)
    closed = ClosedDateForm(shop=request.shop, branch=branch)
    return render(
        request,
        "shops/branch_form.html",
        {
            "form": form,
            "hours": hours,
            "branch": branch,
            "closed_form": closed,
            **_closures(branch),
        },
    )


def _closures(branch: Branch) -> dict:
    return {
        "closed_dates": branch.closed_dates.filter(
            date__gte=timezone.localdate() - datetime.timedelta(days=30), open_on_holiday=False
        ),
        "public_holidays": _next_public_holidays(branch),
    }


@dataclass(frozen=True)
class PublicHoliday:
    day: datetime.date
    name: str
    is_open: bool  # the branch opens on it after all


def _next_public_holidays(branch: Branch, count: int = 8) -> list[PublicHoliday]:
    """The branch's coming public holidays, and whether it opens on each (SLA promises count
    it closed unless it does)."""
    days = _public_holidays(branch)
    today = timezone.localdate(timezone=branch.tz)
    coming = sorted((day, name) for day, name in days.items() if day >= today)[:count]
    opened = set(
        branch.closed_dates.filter(
            open_on_holiday=True, date__in=[day for day, _ in coming]
        ).values_list("date", flat=True)
    )
    return [PublicHoliday(day, name, day in opened) for day, name in coming]


def _public_holidays(branch: Branch) -> dict[datetime.date, str]:
    if not branch.holidays_country:
        return {}
    today = timezone.localdate(timezone=branch.tz)
    try:
        return public_holidays.country_holidays(
            branch.holidays_country,
            subdiv=branch.holidays_region or None,
            years=[today.year, today.year + 1],
        )
    except NotImplementedError:
        return {}


@shop_member_required(*MANAGERS, to="manage branches")
def holiday_opening(request: ShopRequest, branch_code: str) -> HttpResponse:
    """Open (or closed again) on one of the branch's coming public holidays."""
    branch = get_branch(request, branch_code)
    if request.method != "POST":
        return redirect("branch_edit", branch_code=branch.code)  # the page with its buttons
    try:
        day = datetime.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        day = None
    name = _public_holidays(branch).get(day) if day else None
    error = ""
    if name is None:
        error = "That day is not one of this branch's public holidays: nothing was changed."
    else:
        try:
            services.holiday_opening_set(
                branch=branch, day=day, name=name, is_open=request.POST.get("open") == "1"
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
    if request.htmx:
        context = {"branch": branch, "holiday_error": error, **_closures(branch)}
        return render(request, "shops/branch_form.html#public-holidays", context)
    if error:
        messages.error(request, error)
    return redirect("branch_edit", branch_code=branch.code)


@shop_member_required(*MANAGERS, to="manage branches")
def closed_date_add(request: ShopRequest, branch_code: str) -> HttpResponse:
    branch = get_branch(request, branch_code)
    if request.method != "POST":
        return redirect(
            "branch_edit", branch_code=branch.code
        )  # the page that holds this action's button
    form = ClosedDateForm(request.POST, shop=request.shop, branch=branch)
    if form.is_valid():
        form.save()
        form = ClosedDateForm(shop=request.shop, branch=branch)
    context = {"branch": branch, "closed_form": form, **_closures(branch)}
    if request.htmx:
        return render(request, "shops/branch_form.html#closed-dates", context)
    if form.errors:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("branch_edit", branch_code=branch.code)


@shop_member_required(*MANAGERS, to="manage branches")
def closed_date_remove(request: ShopRequest, branch_code: str, closed_date_id: int) -> HttpResponse:
    branch = get_branch(request, branch_code)
    if request.method != "POST":
        return redirect(
            "branch_edit", branch_code=branch.code
        )  # the page that holds this action's button
    services.closed_date_remove(
        closed_date=get_object_or_404(branch.closed_dates, pk=closed_date_id)
    )
    if request.htmx:
        context = {
            "branch": branch,
            "closed_form": ClosedDateForm(shop=request.shop, branch=branch),
        }
        return render(request, "shops/branch_form.html#closed-dates", context | _closures(branch))
    return redirect("branch_edit", branch_code=branch.code)


# Settings: staff -----------------------------------------------------------------------


def _invite_url(request: HttpRequest):
    return lambda token: request.build_absolute_uri(reverse("accept_invitation", args=[token]))


@shop_member_required(*MANAGERS, to="manage staff")
def staff_list(request: ShopRequest) -> HttpResponse:
    return _staff_page(request)


def _staff_page(request: ShopRequest, invite_link: str = "") -> HttpResponse:
    """The staff list; right after an invitation it also shows the link, once. The link is never
    kept (not in the session, not in a cookie): whoever reads stored sessions must not be able
    to join the shop with it. So this answers the POST itself, marked never to be cached."""
    members = (
        Membership.objects.for_shop(request.shop)
        .select_related("user")
        .prefetch_related(Prefetch("branches", queryset=Branch.objects.for_shop(request.shop)))
        .order_by("-is_active", "user__full_name")
    )
    invitations = Invitation.objects.for_shop(request.shop).filter(
        accepted_at__isnull=True, revoked_at__isnull=True
    )
    members = list(members)
    locked = signin.locked_accounts([m.user.email for m in members])
    for m in members:
        m.signin_locked_until = locked.get(signin.normalised(m.user.email))
    response = render(
        request,
        "shops/staff_list.html",
        {"members": members, "invitations": invitations, "invite_link": invite_link},
    )
    if invite_link:
        add_never_cache_headers(response)
    return response


@shop_member_required(*MANAGERS, to="manage staff")
def staff_invite(request: ShopRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None, shop=request.shop, inviter=request.member)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, url = services.invitation_create(
                shop=request.shop,
                by=request.member,
                build_url=_invite_url(request),
                **form.cleaned_data,
            )
        except services.ValidationError as refused:
            form.add_error(None, refused)
        else:
            if invitation.emailed:
                messages.success(request, f"Invitation sent to {invitation.email}.")
            else:
                messages.info(
                    request,
                    f"Invitation ready for {invitation.email}. No email this time: one went to "
                    "that address a few minutes ago. Give them the link below.",
                )
            return _staff_page(request, invite_link=url)
    return render(request, "shops/staff_invite.html", {"form": form})


@shop_member_required(*MANAGERS, to="manage staff")
def staff_edit(request: ShopRequest, member_id: int) -> HttpResponse:
    member = get_member(request, member_id)
    form = MembershipForm(request.POST or None, instance=member, editor=request.member)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(
                member=member,
                role=form.cleaned_data["role"],
                branches=form.cleaned_data["branches"],
                skills=form.cleaned_data["skills"],
                by=request.member,
                mobile=form.cleaned_data["mobile"],
                sla_alerts_by_sms=form.cleaned_data["sla_alerts_by_sms"],
                weekly_summary=form.cleaned_data["weekly_summary"],
            )
        except services.ValidationError as refused:
            member.refresh_from_db()
            form.add_error(None, refused)
        else:
            messages.success(request, f"{member.user} updated.")
            return redirect("staff_list")
    return render(request, "shops/staff_edit.html", {"form": form, "target": member})


@shop_member_required(*MANAGERS, to="manage staff")
def staff_deactivate(request: ShopRequest, member_id: int) -> HttpResponse:
    member = get_member(request, member_id)
    if request.method != "POST":
        return redirect(
            "staff_edit", member_id=member.pk
        )  # the page that holds this action's button
    try:
        services.membership_deactivate(member=member, by=request.member)
    except services.ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{member.user} can no longer sign in to {request.shop.name}.")
    return redirect("staff_list")


@shop_member_required(*MANAGERS, to="manage staff")
def staff_reactivate(request: ShopRequest, member_id: int) -> HttpResponse:
    member = get_member(request, member_id)
    if request.method != "POST":
        return redirect(
            "staff_edit", member_id=member.pk
        )  # the page that holds this action's button
    services.membership_reactivate(member=member)
    messages.success(request, f"{member.user} can sign in again.")
    return redirect("staff_list")


@shop_member_required(*MANAGERS, to="manage staff")
def staff_signin_unlock(request: ShopRequest, member_id: int) -> HttpResponse:
    member = get_member(request, member_id)
    if request.method != "POST":
        return redirect("staff_list")  # the page that holds this action's button
    services.membership_signin_unlock(member=member, by=request.member)
    messages.success(request, f"{member.user} can sign in again.")
    return redirect("staff_list")


@shop_member_required(*MANAGERS, to="manage staff")
def invitation_resend(request: ShopRequest, invitation_id: int) -> HttpResponse:
    invitation = get_invitation(request, invitation_id)
    if request.method != "POST":
        return redirect("staff_list")  # the page that holds this action's button
    try:
        url = services.invitation_resend(invitation=invitation, build_url=_invite_url(request))
    except services.ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"A new link was sent to {invitation.email}.")
        return _staff_page(request, invite_link=url)
    return redirect("staff_list")


@shop_member_required(*MANAGERS, to="manage staff")
def invitation_revoke(request: ShopRequest, invitation_id: int) -> HttpResponse:
    invitation = get_invitation(request, invitation_id)
    if request.method != "POST":
        return redirect("staff_list")  # the page that holds this action's button
    services.invitation_revoke(invitation=invitation)
    messages.success(request, f"Invitation for {invitation.email} withdrawn.")
    return redirect("staff_list")


# Public: accepting an invitation -------------------------------------------------------


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return render(request, "shops/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        return _accept_as_signed_in(request, invitation)
    if services.User.objects.filter(email__iexact=invitation.email).exists():
        messages.info(request, f"Sign in as {invitation.email} to join {invitation.shop.name}.")
        return redirect(f"{reverse('login')}?next={request.path}")
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except services.ValidationError as refused:
            form.add_error(None, refused)
        else:
            login(request, member.user, backend="shops.auth.MemberBackend")
            request.session[SESSION_KEY] = member.shop_id
            messages.success(request, f"Welcome to {member.shop.name}.")
            return redirect("dashboard")
    return render(request, "shops/accept_invitation.html", {"invitation": invitation, "form": form})


def _accept_as_signed_in(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    if request.method != "POST":
        return render(
            request, "shops/accept_invitation.html", {"invitation": invitation, "form": None}
        )
    try:
        member = services.invitation_accept(invitation=invitation, user=request.user)
    except services.ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return render(
            request, "shops/accept_invitation.html", {"invitation": invitation, "form": None}
        )
    request.session[SESSION_KEY] = member.shop_id
    messages.success(request, f"You now work in {member.shop.name} as {member.get_role_display()}.")
    return redirect("dashboard")
