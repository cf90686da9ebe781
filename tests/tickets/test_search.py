"""The top-bar search: every identifier the counter may be given finds the right works order."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from shops.models import NumberingScheme
from tests.factories import CustomerFactory, DeviceFactory, WorksOrderFactory, valid_imei
from tickets.selectors import read_search, works_order_search

pytestmark = pytest.mark.django_db

PHONE = "+447400123456"
IMEI = valid_imei(424242)  # 350000004242420 + check digit


def book(personas, *, customer=None, device=None, days_ago=0, **details):
    """A works order at BHM, booked `days_ago` days back (so 'newest first' can be checked)."""
    shop = personas.shop
    customer = customer or CustomerFactory(shop=shop)
    device = device or DeviceFactory(shop=shop, customer=customer)
    return WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        customer=customer,
        device=device,
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
        **details,
    )


def numbers(shop, q, **kwargs) -> list[str]:
    return [wo.number for wo in works_order_search(shop, q, **kwargs)]


@pytest.fixture
def dee(personas):
    """Dee Whitfield: phone, email, a phone with an IMEI and a laptop with only a serial."""
    shop = personas.shop
    customer = CustomerFactory(
        shop=shop, full_name="Dee Whitfield", phone=PHONE, email="dee.whitfield@example.com"
    )
    phone = DeviceFactory(shop=shop, customer=customer, imei=IMEI, serial="")
    laptop = DeviceFactory(
        shop=shop,
        customer=customer,
        category="laptop",
        make="Apple",
        model_name="MacBook Air",
        imei="",
        serial="C02XL0GHJG5J",
    )
    return customer, phone, laptop


@pytest.fixture
def shop_with_noise(personas):
    """Other customers' works orders in this shop, and a look-alike in another shop."""
    for _ in range(3):
        book(personas, days_ago=30)
    elsewhere = personas.outsider
    twin = CustomerFactory(
        shop=elsewhere.shop,
        full_name="Dee Whitfield",
        phone=PHONE,
        email="dee.whitfield@example.com",
    )
    WorksOrderFactory(
        branch=elsewhere.branches.first(),
        by=elsewhere,
        customer=twin,
        device=DeviceFactory(shop=elsewhere.shop, customer=twin, imei=IMEI, serial="C02XL0GHJG5J"),
    )


# Each kind of identifier -----------------------------------------------------------------


def test_the_full_number_finds_its_works_order_in_any_case(personas, shop_with_noise):
    wanted = book(personas)
    assert numbers(personas.shop, wanted.number) == [wanted.number]
    assert numbers(personas.shop, wanted.number.lower()) == [wanted.number]


def test_the_last_digits_of_a_sequential_number_are_enough(personas, shop_with_noise):
    wanted = book(personas)  # WO-000004
    assert wanted.number == "WO-000004"
    assert numbers(personas.shop, "4") == ["WO-000004"]
    assert numbers(personas.shop, "0004") == ["WO-000004"]
    assert numbers(personas.shop, "wo-4") == ["WO-000004"]


def test_a_branch_prefixed_number_is_found_whole_or_by_its_sequence(personas):
    personas.shop.numbering = NumberingScheme.BRANCH_PREFIXED
    personas.shop.save()
    first, second = book(personas), book(personas)
    assert first.number.startswith("BHM-") and first.number.endswith("-0001")
    assert numbers(personas.shop, first.number.lower()) == [first.number]
    assert numbers(personas.shop, "2") == [second.number]
    assert numbers(personas.shop, "0001") == [first.number]


@pytest.mark.parametrize(
    "typed", ["07400 123456", "07400123456", "+44 7400 123456", "(07400) 123-456", "447400123456"]
)
def test_a_phone_number_in_any_format_finds_the_customers_works_orders(
    personas, dee, shop_with_noise, typed
):
    customer, phone, _ = dee
    wanted = book(personas, customer=customer, device=phone)
    assert numbers(personas.shop, typed) == [wanted.number]


def test_an_email_in_another_case_finds_the_customers_works_orders(personas, dee, shop_with_noise):
    customer, phone, _ = dee
    wanted = book(personas, customer=customer, device=phone)
    assert numbers(personas.shop, "Dee.Whitfield@EXAMPLE.com") == [wanted.number]


def test_an_imei_typed_with_spaces_or_dashes_finds_the_device(personas, dee, shop_with_noise):
    customer, phone, _ = dee
    wanted = book(personas, customer=customer, device=phone)
    spaced = f"{IMEI[:2]} {IMEI[2:8]} {IMEI[8:14]} {IMEI[14]}"
    assert numbers(personas.shop, spaced) == [wanted.number]
    assert numbers(personas.shop, "-".join([IMEI[:8], IMEI[8:]])) == [wanted.number]


def test_the_start_or_the_end_of_an_imei_finds_the_device(personas, dee, shop_with_noise):
    customer, phone, _ = dee
    wanted = book(personas, customer=customer, device=phone)
    assert wanted.number in numbers(personas.shop, IMEI[:10])
    assert numbers(personas.shop, IMEI[-8:]) == [wanted.number]


def test_a_serial_in_any_case_finds_the_device(personas, dee, shop_with_noise):
    customer, _, laptop = dee
    wanted = book(personas, customer=customer, device=laptop)
    assert numbers(personas.shop, "c02xl0ghjg5j") == [wanted.number]


def test_part_of_a_name_finds_the_customer_closest_match_first(personas, shop_with_noise):
    shop = personas.shop
    loose = book(personas, customer=CustomerFactory(shop=shop, full_name="Anna Whitfield-Brown"))
    close = book(
        personas, customer=CustomerFactory(shop=shop, full_name="Dee Whitfield"), days_ago=5
    )
    found = numbers(shop, "whitf")
    assert found == [close.number, loose.number]  # the closer name wins over the newer job
    assert numbers(shop, "dee whit") == [close.number]


def test_a_name_with_like_wildcards_matches_them_literally(personas):
    book(personas, customer=CustomerFactory(shop=personas.shop, full_name="Percy Underwood"))
    assert numbers(personas.shop, "%") == []
    assert numbers(personas.shop, "_e") == []


# Ranking and the shop boundary ----------------------------------------------------------


def test_an_exact_identifier_ranks_above_a_partial_one_however_old(personas, dee):
    customer, phone, _ = dee
    by_phone = book(personas, customer=customer, device=phone, days_ago=400)
    # A device whose IMEI happens to end with the same digits as the phone number.
    stranger = CustomerFactory(shop=personas.shop)
    lookalike = DeviceFactory(shop=personas.shop, customer=stranger, imei="3510" + "07400123456")
    by_imei = book(personas, customer=stranger, device=lookalike)
    assert numbers(personas.shop, "07400123456") == [by_phone.number, by_imei.number]


def test_works_orders_found_the_same_way_come_newest_first(personas, dee):
    customer, phone, laptop = dee
    old = book(personas, customer=customer, device=phone, days_ago=90)
    new = book(personas, customer=customer, device=laptop, days_ago=1)
    middle = book(personas, customer=customer, device=phone, days_ago=10)
    assert numbers(personas.shop, PHONE) == [new.number, middle.number, old.number]


def test_search_never_finds_another_shops_works_orders(personas, shop_with_noise):
    # The twin in the other shop has the same name, phone, email, IMEI, serial and WO-000001.
    for q in ["Dee Whitfield", PHONE, "dee.whitfield@example.com", IMEI, "C02XL0GHJG5J"]:
        assert numbers(personas.shop, q) == [], q
    assert numbers(personas.shop, "WO-000001") == ["WO-000001"]  # this shop's own one
    found = works_order_search(personas.shop, "WO-000001")[0]
    assert found.shop_id == personas.shop.pk


def test_the_limit_caps_the_results(personas, dee):
    customer, phone, _ = dee
    for days in range(5):
        book(personas, customer=customer, device=phone, days_ago=days)
    assert len(numbers(personas.shop, PHONE, limit=3)) == 3


def test_text_is_sorted_into_kinds_without_asking_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert read_search("WO-4582", phone_region="GB").number == "WO-004582"
        assert read_search("bhm-2611-0042", phone_region="GB").number == "BHM-2611-0042"
        assert read_search("a@b.co", phone_region="GB").email == "a@b.co"
        assert read_search("07400 123456", phone_region="GB").phone == PHONE
        assert read_search(IMEI, phone_region="GB").imei == IMEI
        assert read_search("Whitfield", phone_region="GB").name == "Whitfield"
        assert read_search("x", phone_region="GB") == read_search("", phone_region="GB")


@pytest.mark.parametrize(
    "q",
    ["WO-000001", "1", "07400 123456", "dee.whitfield@example.com", IMEI, "C02XL0GHJG5J", "dee"],
)
def test_every_search_is_one_query(personas, dee, shop_with_noise, django_assert_num_queries, q):
    customer, phone, laptop = dee
    book(personas, customer=customer, device=phone)
    book(personas, customer=customer, device=laptop)
    with django_assert_num_queries(1):
        results = works_order_search(personas.shop, q)
    assert results


def test_an_exact_search_is_one_query(personas, dee, django_assert_num_queries):
    customer, phone, _ = dee
    book(personas, customer=customer, device=phone)
    for q in ["WO-000001", "dee.whitfield@example.com", IMEI, "C02XL0GHJG5J", "Whitfield"]:
        with django_assert_num_queries(1):
            works_order_search(personas.shop, q)


# The view --------------------------------------------------------------------------------


def test_as_you_type_the_dropdown_fragment_comes_back_without_page_chrome(client_as, personas, dee):
    customer, phone, _ = dee
    wanted = book(personas, customer=customer, device=phone)
    response = client_as(personas.technician).get(
        reverse("search"), {"q": "07400 123456"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "navbar" not in body
    assert reverse("works_order_detail", args=[wanted.number]) in body
    assert "Dee Whitfield" in body and "Apple iPhone 13" in body and "BHM" in body
    assert "Intake" in body  # the status badge
    assert "HX-Request" in response["Vary"]


def test_the_fragment_says_when_nothing_is_found(client_as, personas):
    response = client_as(personas.owner).get(
        reverse("search"), {"q": "Nobody Here"}, headers={"HX-Request": "true"}
    )
    assert "No works orders found for “Nobody Here”" in response.content.decode()


def test_a_full_page_search_for_one_number_goes_straight_to_the_works_order(client_as, personas):
    wanted = book(personas)
    response = client_as(personas.front_desk).get(reverse("search"), {"q": wanted.number})
    assert response.status_code == 302
    assert response["Location"] == reverse("works_order_detail", args=[wanted.number])
    assert "HX-Request" in response["Vary"]


def test_a_full_page_search_with_several_results_lists_them(client_as, personas, dee):
    customer, phone, laptop = dee
    first = book(personas, customer=customer, device=phone, days_ago=3)
    second = book(personas, customer=customer, device=laptop)
    response = client_as(personas.front_desk).get(reverse("search"), {"q": "whitfield"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body
    assert body.index(second.number) < body.index(first.number)
    assert "2 works orders found" in body


def test_the_full_page_search_answers_a_miss_plainly(client_as, personas):
    response = client_as(personas.front_desk).get(reverse("search"), {"q": "zzz"})
    assert "Nothing found for “zzz”" in response.content.decode()


def test_the_search_view_query_count_does_not_grow_with_results(
    client_as, personas, dee, django_assert_max_num_queries
):
    customer, phone, _ = dee
    client = client_as(personas.owner)
    book(personas, customer=customer, device=phone)
    with django_assert_max_num_queries(6) as one:
        client.get(reverse("search"), {"q": PHONE}, headers={"HX-Request": "true"})
    for _ in range(7):
        book(personas, customer=customer, device=phone)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("search"), {"q": PHONE}, headers={"HX-Request": "true"})
    assert response.content.decode().count("list-group-item-action") == 8


def test_signed_out_search_sends_to_sign_in(client):
    response = client.get(reverse("search"), {"q": "WO-000001"})
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
