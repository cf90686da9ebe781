"""A refused page keeps the app around the person and says who may do it, and what to do now."""

from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from shops.access import who_may
from shops.models import COUNTER, MANAGERS, Role


def test_the_front_desk_opening_shop_settings_sees_who_may_and_the_navigation(client_as, personas):
    response = client_as(personas.front_desk).get(
        reverse("shop_settings"), HTTP_REFERER="http://testserver/board/"
    )

    assert response.status_code == 403
    assertContains(response, "Only managers and owners can change shop settings.", status_code=403)
    assertContains(response, 'aria-label="Main"', status_code=403)  # the navigation is there
    assertContains(response, ">Board</a>", status_code=403)
    assertContains(response, "desk@example.com, front desk at Fix Corner Repairs", status_code=403)
    assertContains(response, 'href="http://testserver/board/"', status_code=403)  # the way back
    assertContains(response, f'href="{reverse("dashboard")}"', status_code=403)


def test_a_post_refused_says_who_may_do_it(client_as, personas):
    response = client_as(personas.technician).post(
        reverse("staff_deactivate", args=[personas.owner.pk])
    )

    assertContains(response, "Only managers and owners can manage staff.", status_code=403)


def test_a_page_without_its_own_words_still_names_the_roles(client_as, personas):
    response = client_as(personas.technician).get(reverse("intake"))

    assertContains(
        response, "Only front desk staff, managers and owners can book jobs in.", status_code=403
    )


def test_the_way_back_is_only_ever_to_this_site(client_as, personas):
    response = client_as(personas.technician).get(
        reverse("shop_settings"), HTTP_REFERER="https://evil.example/phish"
    )

    assertNotContains(response, "evil.example", status_code=403)
    assertContains(response, "Go to the dashboard", status_code=403)


def test_roles_are_named_as_people_from_the_counter_up():
    assert who_may(MANAGERS) == "managers and owners"
    assert who_may(COUNTER) == "front desk staff, managers and owners"
    assert who_may((Role.TECHNICIAN,)) == "technicians"
    assert who_may((*MANAGERS, Role.TECHNICIAN)) == "technicians, managers and owners"
