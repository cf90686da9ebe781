"""The customer list, a customer's page and editing them, as each role sees them."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import Customer
from tests.factories import CustomerFactory, DeviceFactory, WorksOrderFactory
from tickets.models import NoteKind
from tickets.services import LineData, note_add

EVERY_ROLE = ["owner", "manager", "front_desk", "technician"]


def rows(html: str) -> int:
    return len(re.findall(r"<tr>", html.split("<tbody>", 1)[-1]))


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_every_role_sees_the_customer_list_and_a_customers_page(client_as, personas, role):
    customer = CustomerFactory(shop=personas.shop, full_name="Jane Smith", phone="+447400123456")
    client = client_as(getattr(personas, role))
    listing = client.get(reverse("customers"))
    assert listing.status_code == 200
    assert "Jane Smith" in listing.content.decode()
    assert "07400 123456" in listing.content.decode()
    page = client.get(reverse("customer_detail", args=[customer.pk]))
    assert page.status_code == 200
    assert "Jane Smith" in page.content.decode()


@pytest.mark.parametrize("role", ["owner", "manager", "front_desk"])
def test_counter_roles_edit_a_customer(client_as, personas, role):
    customer = CustomerFactory(shop=personas.shop, full_name="Jane Smith")
    client = client_as(getattr(personas, role))
    url = reverse("customer_edit", args=[customer.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "full_name": "Jane Smith-Jones",
            "phone": "07400 900123",
            "email": "JANE@example.com",
            "preferred_contact": "email",
            "customer_type": "business",
            "company_name": "Smith & Co",
            "marketing_consent": "on",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.full_name == "Jane Smith-Jones"
    assert customer.phone == "+447400900123"
    assert customer.email == "jane@example.com"
    assert customer.marketing_consent


def test_a_technician_can_look_but_not_edit(client_as, personas):
    customer = CustomerFactory(shop=personas.shop, full_name="Jane Smith")
    client = client_as(personas.technician)
    url = reverse("customer_edit", args=[customer.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"full_name": "Changed"}).status_code == 403
    customer.refresh_from_db()
    assert customer.full_name == "Jane Smith"
    page = client.get(reverse("customer_detail", args=[customer.pk])).content.decode()
    assert url not in page


def test_edit_errors_sit_by_their_fields_and_keep_what_was_typed(client_as, personas):
    CustomerFactory(shop=personas.shop, full_name="Raj Patel", email="raj@example.com")
    customer = CustomerFactory(shop=personas.shop, full_name="Jane Smith")
    response = client_as(personas.front_desk).post(
        reverse("customer_edit", args=[customer.pk]),
        {
            "full_name": "Jane Q Smith",
            "phone": "07400 12",
            "email": "Raj@Example.com",
            "preferred_contact": "sms",
            "customer_type": "walk_in",
            "address": "1 New Street",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "not a valid phone number" in html
    assert 'value="Jane Q Smith"' in html and 'value="07400 12"' in html
    assert "1 New Street" in html
    assert '<h1 class="h3 mb-3">Edit Jane Smith</h1>' in html  # the saved name, until saved
    customer.refresh_from_db()
    assert customer.full_name == "Jane Smith"


def test_editing_to_anothers_email_names_them_and_offers_them(client_as, personas):
    raj = CustomerFactory(shop=personas.shop, full_name="Raj Patel", email="raj@example.com")
    customer = CustomerFactory(shop=personas.shop, full_name="Jane Smith")
    response = client_as(personas.front_desk).post(
        reverse("customer_edit", args=[customer.pk]),
        {
            "full_name": "Jane Smith",
            "phone": "",
            "email": "RAJ@example.com",
            "preferred_contact": "email",
            "customer_type": "walk_in",
        },
    )
    html = response.content.decode()
    assert "raj@example.com already belongs to Raj Patel." in html
    assert "Use Raj Patel instead" in html
    assert reverse("customer_detail", args=[raj.pk]) in html
    assert Customer.objects.for_shop(personas.shop).filter(email="raj@example.com").count() == 1


def test_the_list_searches_and_answers_htmx_with_the_results_only(client_as, personas):
    CustomerFactory(shop=personas.shop, full_name="Jane Smith", phone="+447400123456")
    CustomerFactory(shop=personas.shop, full_name="Bob Brown")
    client = client_as(personas.front_desk)
    full = client.get(reverse("customers"), {"q": "07400 123456"})
    assert "Jane Smith" in full.content.decode() and "Bob Brown" not in full.content.decode()
    assert 'hx-push-url="true"' in full.content.decode()
    fragment = client.get(reverse("customers"), {"q": "bob"}, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section id="customer-results"')
    assert "Bob Brown" in html and "Jane Smith" not in html
    assert "HX-Request" in fragment["Vary"]


def test_the_list_pages_fifty_at_a_time(client_as, personas):
    CustomerFactory.create_batch(55, shop=personas.shop)
    client = client_as(personas.owner)
    first = client.get(reverse("customers")).content.decode()
    second = client.get(reverse("customers"), {"page": 2}).content.decode()
    assert rows(first) == 50
    assert rows(second) == 5
    assert "page 1 of 2" in first


def test_namesakes_each_show_once_across_the_pages_with_their_own_counts(client_as, personas):
    # The list orders by name, then by id, so 55 "Sam Lee"s keep their places from page to
    # page; the second page's rows get their counts too (counted for the page's rows alone).
    namesakes = CustomerFactory.create_batch(55, shop=personas.shop, full_name="Sam Lee")
    last = namesakes[-1]
    DeviceFactory(shop=personas.shop, customer=last)
    client = client_as(personas.owner)
    pages = [client.get(reverse("customers"), {"page": n}).content.decode() for n in (1, 2)]
    shown = [int(pk) for page in pages for pk in re.findall(r'href="/customers/(\d+)/"', page)]
    assert shown == sorted(c.pk for c in namesakes)
    row = pages[1].split(f'href="/customers/{last.pk}/"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["1", "0"]


def test_the_list_counts_devices_and_works_orders(client_as, personas):
    customer = CustomerFactory(shop=personas.shop, full_name="Jane Smith")
    for _ in range(2):
        WorksOrderFactory(branch=personas.branch, by=personas.front_desk, customer=customer)
    DeviceFactory(shop=personas.shop, customer=customer)
    html = client_as(personas.owner).get(reverse("customers")).content.decode()
    row = html.split("Jane Smith", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="text-end">(\d+)</td>', row)
    assert cells == ["3", "2"]
    assert "Returning" in html.split("Jane Smith", 1)[1][:200]


def make_history(personas, customer, visits: int):
    for n in range(visits):
        works_order = WorksOrderFactory(
            branch=personas.branch,
            by=personas.front_desk,
            customer=customer,
            lines=[
                LineData(description=f"Screen {n}", unit_price=Decimal("100.00")),
                LineData(description="Labour", unit_price=Decimal("20.00")),
            ],
        )
        note_add(
            works_order=works_order,
            text=f"Ready {n}",
            kind=NoteKind.CUSTOMER,
            by=personas.front_desk,
        )
        note_add(
            works_order=works_order,
            text=f"Secret {n}",
            kind=NoteKind.INTERNAL,
            by=personas.technician,
        )


def test_the_list_takes_the_same_queries_for_3_or_40_customers(
    client_as, personas, django_assert_max_num_queries
):
    client = client_as(personas.owner)
    for _ in range(3):
        make_history(personas, CustomerFactory(shop=personas.shop), 1)
    client.get(reverse("customers"))  # warm the session
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("customers"))
    for _ in range(37):
        make_history(personas, CustomerFactory(shop=personas.shop), 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("customers"))
    assert rows(response.content.decode()) == 40


def test_a_customers_page_takes_the_same_queries_for_1_or_12_visits(
    client_as, personas, django_assert_max_num_queries
):
    customer = CustomerFactory(shop=personas.shop)
    make_history(personas, customer, 1)
    client = client_as(personas.owner)
    url = reverse("customer_detail", args=[customer.pk])
    client.get(url)
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    make_history(personas, customer, 11)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("Ready ") == 12


def test_a_customers_page_shows_devices_works_orders_totals_and_messages(client_as, personas):
    customer = CustomerFactory(
        shop=personas.shop, full_name="Jane Smith", phone="+447400123456", marketing_consent=True
    )
    make_history(personas, customer, 2)
    html = (
        client_as(personas.technician)
        .get(reverse("customer_detail", args=[customer.pk]))
        .content.decode()
    )
    works_orders = customer.works_orders.order_by("created_at")
    for works_order in works_orders:
        assert reverse("works_order_detail", args=[works_order.number]) in html
    assert "£144.00" in html  # 120 net + 20 % VAT
    assert "Returning customer" in html
    assert "Happy to hear about offers" in html
    assert html.index("Ready 1") < html.index("Ready 0")  # newest message first
    assert "Secret" not in html  # internal notes are not messages to the customer
    assert "iPhone 13" in html and "IMEI" in html


def test_a_customer_with_no_messages_sees_an_empty_state(client_as, personas):
    customer = CustomerFactory(shop=personas.shop, full_name="Jane Smith")
    html = (
        client_as(personas.owner)
        .get(reverse("customer_detail", args=[customer.pk]))
        .content.decode()
    )
    assert "No messages to Jane yet." in html
    assert "Returning customer" not in html


def test_another_shops_customer_is_not_found_whatever_the_method(client_as, personas):
    theirs = CustomerFactory(shop=personas.outsider.shop)
    client = client_as(personas.owner)
    for name in ("customer_detail", "customer_edit"):
        url = reverse(name, args=[theirs.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"full_name": "Taken over"}).status_code == 404
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.full_name != "Taken over"
