"""Owners and managers invite, change and switch off staff; the rules on owners hold."""

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from shops.models import Invitation, Membership, Role
from tests.factories import MembershipFactory


def invite(client, personas, email="newtech@example.com", role=Role.TECHNICIAN, **extra):
    data = {"email": email, "role": role, "branches": [personas.branch.pk], "skills": ["phones"]}
    return client.post(reverse("staff_invite"), data | extra, follow=True)


def accept_link(message) -> str:
    return re.search(r"http://testserver(/invite/\S+/)", message.body).group(1)


@pytest.mark.parametrize("role", ["technician", "front_desk"])
def test_staff_without_management_role_get_403_on_staff_pages(client_as, personas, role):
    client = client_as(getattr(personas, role))
    assert client.get(reverse("staff_list")).status_code == 403
    assert client.get(reverse("staff_invite")).status_code == 403
    assert client.post(reverse("staff_deactivate", args=[personas.owner.pk])).status_code == 403
    assert client.get(reverse("branch_list")).status_code == 403
    assert client.get(reverse("shop_settings")).status_code == 403


def test_a_manager_sees_the_staff_list(client_as, personas):
    page = client_as(personas.manager).get(reverse("staff_list")).content.decode()
    for name in ["Priya Shah", "Amira Haddad", "Jack Morgan", "Sofia Kowalski"]:
        assert name in page
    assert "Olly Outsider" not in page


def test_an_invited_technician_sets_a_password_and_joins_with_role_and_branch(
    client_as, client, personas, django_capture_on_commit_callbacks
):
    manager = client_as(personas.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(manager, personas)
    assert b"Invitation sent to newtech@example.com" in response.content
    assert b"/invite/" in response.content  # the link is shown too, for when email is slow
    assert mail.outbox[0].to == ["newtech@example.com"]
    link = accept_link(mail.outbox[0])

    manager.post(reverse("logout"))
    page = client.get(link)
    assert b"Join Fix Corner Repairs" in page.content
    joined = client.post(
        link,
        {
            "full_name": "Nia Evans",
            "password1": "solder and flux 9",
            "password2": "solder and flux 9",
        },
        follow=True,
    )
    assert b"Welcome to Fix Corner Repairs" in joined.content
    member = Membership.objects.for_shop(personas.shop).get(user__email="newtech@example.com")
    assert member.role == Role.TECHNICIAN and member.skills == ["phones"]
    assert list(member.branches.all()) == [personas.branch]
    assert client.get(link).status_code == 404  # used once


def test_a_weak_password_is_refused_at_acceptance_and_the_name_is_kept(
    client, personas, django_capture_on_commit_callbacks, client_as
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_as(personas.owner), personas)
    client.post(reverse("logout"))
    link = accept_link(mail.outbox[0])
    page = client.post(
        link, {"full_name": "Nia Evans", "password1": "12345678", "password2": "12345678"}
    )
    assert page.status_code == 200
    assert "too common" in page.content.decode()
    assert 'value="Nia Evans"' in page.content.decode()
    assert (
        not Membership.objects.for_shop(personas.shop)
        .filter(user__email="newtech@example.com")
        .exists()
    )


def test_someone_already_on_benchdesk_signs_in_and_joins_a_second_shop(
    client_as, client, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_as(personas.owner), personas, email="olly@example.com", role=Role.MANAGER)
    link = accept_link(mail.outbox[0])
    outsider = client_as(personas.outsider)
    assert b"Join Fix Corner Repairs" in outsider.get(link).content
    outsider.post(link, follow=True)
    assert (
        Membership.objects.for_shop(personas.shop).get(user=personas.outsider.user).role
        == Role.MANAGER
    )
    assert b"Birmingham" in outsider.get(reverse("dashboard")).content


def test_an_invitation_sent_again_replaces_the_old_link(
    client_as, client, personas, django_capture_on_commit_callbacks
):
    owner = client_as(personas.owner)
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner, personas)
    old = accept_link(mail.outbox[0])
    invitation = Invitation.objects.for_shop(personas.shop).get()
    caches["ratelimit"].clear()  # more than five minutes later
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(reverse("invitation_resend", args=[invitation.pk]))
    new = accept_link(mail.outbox[1])
    owner.post(reverse("logout"))
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_withdrawn_and_expired_invitations_stop_working(
    client_as, client, personas, django_capture_on_commit_callbacks
):
    owner = client_as(personas.owner)
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner, personas, email="a@example.com")
        invite(owner, personas, email="b@example.com")
    withdrawn = Invitation.objects.for_shop(personas.shop).get(email="a@example.com")
    owner.post(reverse("invitation_revoke", args=[withdrawn.pk]))
    Invitation.objects.for_shop(personas.shop).filter(email="b@example.com").update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    owner.post(reverse("logout"))
    for message in mail.outbox:
        assert client.get(accept_link(message)).status_code == 404


def test_a_manager_cannot_invite_an_owner(client_as, personas):
    response = invite(client_as(personas.manager), personas, role=Role.OWNER)
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.for_shop(personas.shop).exists()


def test_inviting_someone_who_already_works_here_says_so(client_as, personas):
    response = invite(client_as(personas.owner), personas, email="JACK@example.com")
    assert "jack@example.com already works in this shop" in response.content.decode()


def test_a_manager_changes_a_technicians_role_branches_and_skills(client_as, personas):
    client = client_as(personas.manager)
    client.post(
        reverse("staff_edit", args=[personas.technician.pk]),
        {"role": Role.FRONT_DESK, "branches": [personas.other_branch.pk], "skills": ["laptops"]},
    )
    personas.technician.refresh_from_db()
    assert personas.technician.role == Role.FRONT_DESK
    assert personas.technician.skills == ["laptops"]
    assert list(personas.technician.branches.all()) == [personas.other_branch]


def test_the_last_owner_cannot_be_demoted(client_as, personas):
    page = client_as(personas.owner).post(
        reverse("staff_edit", args=[personas.owner.pk]),
        {"role": Role.MANAGER, "branches": [personas.branch.pk]},
    )
    assert "at least one active owner" in page.content.decode()
    personas.owner.refresh_from_db()
    assert personas.owner.role == Role.OWNER


def test_a_manager_cannot_change_an_owner(client_as, personas):
    second_owner = MembershipFactory(shop=personas.shop, role=Role.OWNER)
    page = client_as(personas.manager).post(
        reverse("staff_edit", args=[second_owner.pk]), {"role": Role.TECHNICIAN}
    )
    assert page.status_code == 200
    second_owner.refresh_from_db()
    assert second_owner.role == Role.OWNER


def test_a_deactivated_technician_loses_access_on_their_next_click(client_as, client, personas):
    from django.test import Client

    technician = Client()
    technician.force_login(personas.technician.user)
    assert technician.get(reverse("dashboard")).status_code == 200

    manager = client_as(personas.manager)
    response = manager.post(reverse("staff_deactivate", args=[personas.technician.pk]), follow=True)
    assert b"can no longer sign in" in response.content
    assert technician.get(reverse("dashboard")).url == reverse("no_shop")

    manager.post(reverse("staff_reactivate", args=[personas.technician.pk]))
    assert technician.get(reverse("dashboard")).status_code == 200


def test_nobody_deactivates_themselves(client_as, personas):
    client = client_as(personas.manager)
    response = client.post(reverse("staff_deactivate", args=[personas.manager.pk]), follow=True)
    assert b"cannot deactivate yourself" in response.content
    personas.manager.refresh_from_db()
    assert personas.manager.is_active


def test_an_invitation_link_is_shown_once_and_never_kept_in_the_session(
    client_as, personas, django_capture_on_commit_callbacks
):
    """Sessions are signed, not encrypted: a dump of them must not hold a way into the shop."""
    from django.contrib.sessions.models import Session

    manager = client_as(personas.manager)
    with django_capture_on_commit_callbacks(execute=True):
        shown = invite(manager, personas)
    link = accept_link(mail.outbox[0])
    assert link.encode() in shown.content
    assert "no-store" in shown["Cache-Control"]
    token = link.strip("/").rsplit("/", 1)[-1]
    for session in Session.objects.all():
        assert token not in str(session.get_decoded())
    again = manager.get(reverse("staff_list"))
    assert link.encode() not in again.content  # once: the next visit does not repeat it

    invitation = Invitation.objects.for_shop(personas.shop).get()
    caches["ratelimit"].clear()  # more than five minutes later
    with django_capture_on_commit_callbacks(execute=True):
        resent = manager.post(reverse("invitation_resend", args=[invitation.pk]))
    new_link = accept_link(mail.outbox[1])
    assert new_link.encode() in resent.content
    new_token = new_link.strip("/").rsplit("/", 1)[-1]
    assert all(new_token not in str(s.get_decoded()) for s in Session.objects.all())
