"""Signing in and out, password reset, and the current shop kept in the session."""

import re

from django.core import mail
from django.urls import reverse

from shops.middleware import SESSION_KEY
from tests.factories import BranchFactory, MembershipFactory, ShopFactory

PASSWORD = "correct horse battery"


def test_staff_sign_in_with_email_in_any_case_and_land_on_the_dashboard(client, personas):
    response = client.post(
        reverse("login"), {"username": "Owner@Example.com", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert b"Birmingham" in response.content and b"Coventry" in response.content


def test_a_wrong_password_says_what_to_check(client, personas):
    response = client.post(reverse("login"), {"username": "owner@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_out_ends_the_session(client_as, personas):
    client = client_as(personas.front_desk)
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_password_reset_by_email_sets_a_new_password(client, personas):
    client.post(reverse("password_reset"), {"email": "desk@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a fresh bench 42", "new_password2": "a fresh bench 42"},
        follow=True,
    )
    assert done.status_code == 200
    personas.front_desk.user.refresh_from_db()
    assert personas.front_desk.user.check_password("a fresh bench 42")


def test_password_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert b"Check your email" in response.content
    assert mail.outbox == []


def test_someone_in_two_shops_switches_between_them(client_as, personas):
    second = ShopFactory(name="Second Site Repairs", slug="second-site")
    BranchFactory(shop=second, code="LDN", name="London Bridge")
    MembershipFactory(shop=second, user=personas.manager.user, role="technician")
    client = client_as(personas.manager)

    assert b"Birmingham" in client.get(reverse("dashboard")).content
    client.post(reverse("switch_shop"), {"shop": "second-site"})
    page = client.get(reverse("dashboard")).content
    assert b"London Bridge" in page and b"Coventry" not in page
    assert client.session[SESSION_KEY] == second.pk


def test_switching_to_a_shop_you_are_not_in_is_refused(client_as, personas):
    client = client_as(personas.manager)
    response = client.post(reverse("switch_shop"), {"shop": "gadget-hospital"}, follow=True)
    assert b"not a member of that shop" in response.content
    assert client.session[SESSION_KEY] == personas.shop.pk


def test_a_forged_session_shop_falls_back_to_a_shop_the_user_is_in(client_as, personas):
    client = client_as(personas.technician)
    session = client.session
    session[SESSION_KEY] = personas.outsider.shop_id
    session.save()
    page = client.get(reverse("dashboard")).content
    assert b"Fix Corner Repairs" in page and b"Gadget Hospital" not in page


def test_someone_with_no_shop_is_told_so(client, db):
    lonely = MembershipFactory(is_active=False).user
    client.force_login(lonely)
    response = client.get(reverse("dashboard"), follow=True)
    assert b"work in a shop yet" in response.content


def test_the_admin_is_for_superusers_only(client_as, personas, admin_client):
    client = client_as(personas.owner)
    assert client.get("/admin/").status_code == 302
    assert admin_client.get("/admin/shops/branch/").status_code == 200
