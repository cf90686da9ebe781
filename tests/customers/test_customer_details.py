"""A customer is one phone number or email per shop: stored in E.164 and lower-case, shown in
the shop's national format, and found again instead of duplicated."""

import pytest
from django.core.exceptions import ValidationError

from customers import services
from customers.forms import CustomerForm
from customers.models import ContactMethod, Customer
from tests.factories import CustomerFactory


def form_for(shop, instance=None, **fields):
    data = {
        "full_name": "Jane Smith",
        "phone": "",
        "email": "",
        "preferred_contact": "sms",
        "customer_type": "walk_in",
    } | fields
    return CustomerForm(data, instance=instance, shop=shop)


@pytest.mark.parametrize(
    "typed",
    ["07400123456", "07400 123 456", "+44 7400 123456", "0044 7400 123456", "(07400) 123-456"],
)
def test_a_uk_mobile_typed_any_way_is_stored_in_e164(personas, typed):
    customer = form_for(personas.shop, phone=typed).save()
    assert customer.phone == "+447400123456"


def test_a_number_that_cannot_exist_is_a_clear_error_on_the_phone_field(personas):
    form = form_for(personas.shop, phone="07400 12")
    assert not form.is_valid()
    assert "not a valid phone number for GB" in form.errors["phone"][0]
    assert not Customer.objects.for_shop(personas.shop).exists()


def test_letters_are_not_a_phone_number(personas):
    form = form_for(personas.shop, phone="call me")
    assert not form.is_valid()
    assert "is not a phone number" in form.errors["phone"][0]


def test_a_number_is_read_with_the_shops_own_region(personas):
    shop = personas.shop
    shop.phone_region = "IE"
    shop.save()
    customer = form_for(shop, phone="087 123 4567").save()
    assert customer.phone == "+353871234567"


def test_the_edit_form_shows_the_number_in_national_format(personas):
    customer = CustomerFactory(shop=personas.shop, phone="+447400123456")
    form = CustomerForm(instance=customer, shop=personas.shop)
    assert 'value="07400 123456"' in str(form["phone"])


def test_email_is_validated_and_stored_lower_case(personas):
    assert not form_for(personas.shop, email="jane@").is_valid()
    customer = form_for(personas.shop, email="  Jane.Smith@Example.COM ").save()
    assert customer.email == "jane.smith@example.com"


def test_a_customer_needs_a_phone_or_an_email(personas):
    form = form_for(personas.shop)
    assert not form.is_valid()
    assert "Give a mobile number or an email address" in form.errors["phone"][0]


def test_email_only_customers_are_contacted_by_email_whatever_the_default(personas):
    customer = form_for(personas.shop, email="jane@example.com", preferred_contact="sms").save()
    assert customer.preferred_contact == ContactMethod.EMAIL


def test_a_phone_in_another_format_finds_the_existing_customer_instead_of_a_duplicate(personas):
    existing = CustomerFactory(shop=personas.shop, full_name="Jane Smith", phone="+447400123456")
    form = form_for(personas.shop, full_name="J Smith", phone="0044 (0)7400-123456")
    assert not form.is_valid()
    assert form.existing_customer == existing
    assert form.errors["phone"] == ["07400 123456 already belongs to Jane Smith."]
    assert Customer.objects.for_shop(personas.shop).count() == 1


def test_an_email_in_another_case_finds_the_existing_customer(personas):
    existing = CustomerFactory(shop=personas.shop, full_name="Raj Patel", email="raj@example.com")
    form = form_for(personas.shop, full_name="Raj", email="RAJ@Example.com")
    assert not form.is_valid()
    assert form.existing_customer == existing
    assert form.errors["email"] == ["raj@example.com already belongs to Raj Patel."]
    assert Customer.objects.for_shop(personas.shop).count() == 1


def test_the_same_phone_in_another_shop_is_a_different_customer(personas):
    elsewhere = personas.outsider.shop
    theirs = CustomerFactory(shop=elsewhere, phone="+447400123456", email="jane@example.com")
    ours = form_for(personas.shop, phone="07400 123456", email="jane@example.com").save()
    assert ours.pk != theirs.pk
    assert ours.shop == personas.shop


def test_a_customer_keeps_their_own_number_when_edited(personas):
    customer = CustomerFactory(shop=personas.shop, full_name="Jane", phone="+447400123456")
    saved = form_for(
        personas.shop, instance=customer, full_name="Jane  Smith ", phone="07400 123456"
    ).save()
    assert saved.full_name == "Jane Smith"
    assert saved.phone == "+447400123456"


def test_the_service_refuses_a_duplicate_even_without_the_form(personas):
    existing = CustomerFactory(shop=personas.shop, phone="+447400123456")
    with pytest.raises(services.DuplicateCustomer) as refused:
        services.customer_create(shop=personas.shop, full_name="Someone", phone="07400123456")
    assert refused.value.existing == existing
    assert "already belongs to" in refused.value.message_dict["phone"][0]


def test_a_refused_update_leaves_the_customer_as_saved(personas):
    CustomerFactory(shop=personas.shop, full_name="Other", phone="+447400000001")
    customer = CustomerFactory(shop=personas.shop, full_name="Jane", phone="+447400000002")
    with pytest.raises(ValidationError):
        services.customer_update(customer=customer, full_name="Changed", phone="07400 000001")
    assert customer.full_name == "Jane"
    customer.refresh_from_db()
    assert (customer.full_name, customer.phone) == ("Jane", "+447400000002")
