"""Sign-in protection: lockouts by account and by address, their end, and the manager's unlock."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

HOME = "10.0.0.1"
PASSWORD = "correct horse battery"  # tests/factories.py


def sign_in(client, email, password="wrong-password", address=HOME):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def fail(client, email, times, address=HOME):
    return [sign_in(client, email, address=address).status_code for _ in range(times)]


def later(minutes):
    """As if the failures so far had happened `minutes` earlier."""
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=minutes))


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(client, personas):
    assert fail(client, "desk@example.com", 4) == [200] * 4
    fifth = sign_in(client, "desk@example.com")
    assert fifth.status_code == 429
    assert int(fifth["Retry-After"]) > 14 * 60
    page = fifth.content.decode()
    assert "Sign-in is paused for this account" in page
    assert "owner or manager of your shop" in page and "Settings → Staff" in page
    right = sign_in(client, "desk@example.com", PASSWORD)
    assert right.status_code == 429  # even the right password waits
    assert "_auth_user_id" not in client.session


def test_the_lockout_ends_after_the_cool_off(client, personas):
    fail(client, "desk@example.com", 5)
    later(minutes=14)
    assert sign_in(client, "desk@example.com", PASSWORD).status_code == 429
    later(minutes=16)
    assert sign_in(client, "desk@example.com", PASSWORD).status_code == 302
    assert "_auth_user_id" in client.session


def test_the_account_is_counted_whatever_the_case_of_its_email(client, personas):
    for email in ["desk@example.com", "Desk@Example.com", "DESK@example.com", " desk@example.com"]:
        sign_in(client, email)
    assert sign_in(client, "desk@EXAMPLE.com").status_code == 429


def test_the_account_is_locked_from_every_address(client, personas):
    for n in range(5):
        sign_in(client, "desk@example.com", address=f"10.0.1.{n}")
    assert sign_in(client, "desk@example.com", PASSWORD, address="10.0.2.1").status_code == 429
    # other people are not affected
    assert sign_in(client, "jack@example.com", PASSWORD, address="10.0.1.1").status_code == 302


def test_a_successful_sign_in_clears_the_accounts_failures(client, personas):
    fail(client, "desk@example.com", 4)
    assert sign_in(client, "desk@example.com", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert fail(client, "desk@example.com", 4) == [200] * 4


def test_thirty_failures_from_one_address_lock_the_address(client, personas):
    codes = [sign_in(client, f"guess{n}@example.com").status_code for n in range(30)]
    assert codes[:29] == [200] * 29 and codes[29] == 429
    refused = sign_in(client, "desk@example.com", PASSWORD)
    assert refused.status_code == 429
    assert "Sign-in is paused from this network" in refused.content.decode()
    assert sign_in(client, "desk@example.com", PASSWORD, address="10.9.9.9").status_code == 302


def test_a_manager_sees_the_lockout_and_unlocks_their_staff(client_as, client, personas):
    fail(client, "desk@example.com", 5)
    manager = client_as(personas.manager)
    staff = manager.get(reverse("staff_list")).content.decode()
    assert "Sign-in locked until" in staff and "Unlock sign-in" in staff
    unlocked = manager.post(
        reverse("staff_signin_unlock", args=[personas.front_desk.pk]), follow=True
    )
    assert "Amira Haddad can sign in again." in unlocked.content.decode()
    assert "Sign-in locked until" not in unlocked.content.decode()
    manager.post(reverse("logout"))
    assert sign_in(client, "desk@example.com", PASSWORD).status_code == 302


def test_an_owner_may_unlock_too(client_as, client, personas):
    fail(client, "jack@example.com", 5)
    owner = client_as(personas.owner)
    owner.post(reverse("staff_signin_unlock", args=[personas.technician.pk]))
    assert not AccessAttempt.objects.filter(username="jack@example.com").exists()


def test_another_shops_manager_cannot_unlock(client_as, client, personas):
    fail(client, "desk@example.com", 5)
    outsider = client_as(personas.outsider)
    response = outsider.post(reverse("staff_signin_unlock", args=[personas.front_desk.pk]))
    assert response.status_code == 404
    assert AccessAttempt.objects.filter(username="desk@example.com").exists()


def test_front_desk_and_technicians_cannot_unlock(client_as, client, personas):
    fail(client, "jack@example.com", 5)
    for member in (personas.front_desk, personas.second_technician):
        response = client_as(member).post(
            reverse("staff_signin_unlock", args=[personas.technician.pk])
        )
        assert response.status_code == 403
    assert AccessAttempt.objects.filter(username="jack@example.com").exists()


def test_unlocking_needs_a_post(client_as, client, personas):
    fail(client, "desk@example.com", 5)
    manager = client_as(personas.manager)
    response = manager.get(reverse("staff_signin_unlock", args=[personas.front_desk.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("staff_list")
    assert AccessAttempt.objects.filter(username="desk@example.com").exists()


def test_nul_bytes_and_huge_emails_on_sign_in_get_the_form_back(client, personas):
    for email in ["desk\x00@example.com", "x" * 5000 + "@example.com", ""]:
        response = sign_in(client, email)
        assert response.status_code == 200
