from __future__ import annotations

from django import forms

from customers import services
from customers.models import Customer
from customers.phones import display
from shops.forms import ShopModelForm


class CustomerForm(ShopModelForm):
    """A customer's details. Saving goes through customers.services (create or update).

    When the phone or email already belongs to another customer of the shop, the form is
    invalid, says whose it is on the field, and exposes that customer as `existing_customer`
    so the page can offer "Use <name>" instead of creating a duplicate.
    """

    phone = forms.CharField(
        label="Mobile phone",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text="For SMS updates. Any format: 07400 123456, +44 7400 123456…",
    )

    class Meta:
        model = Customer
        fields = services.EDITABLE
        labels = {"full_name": "Full name", "email": "Email"}
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "address": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.existing_customer: Customer | None = None
        if self.instance.phone and not self.is_bound:
            self.initial["phone"] = display(self.instance.phone, self.shop.phone_region)
        self.fields["email"].required = False

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_phone(self) -> str:
        try:
            return services.normalise_phone(self.cleaned_data["phone"], shop=self.shop)
        except forms.ValidationError as problem:
            raise forms.ValidationError(problem.message_dict["phone"]) from problem

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean(self) -> dict:
        data = super().clean()
        # Check whichever of phone and email is valid, so every problem shows at once.
        phone = "" if "phone" in self.errors else data.get("phone", "")
        email = "" if "email" in self.errors else data.get("email", "")
        try:
            if not ("phone" in self.errors or "email" in self.errors):
                services.check_reachable(phone=phone, email=email)
            services.check_duplicates(
                shop=self.shop,
                phone=phone,
                email=email,
                exclude=self.instance if self.instance.pk else None,
            )
        except services.DuplicateCustomer as duplicate:
            self.existing_customer = duplicate.existing
            self.add_error(None, duplicate)
        except forms.ValidationError as problem:
            self.add_error(None, problem)
        return data

    def _get_validation_exclusions(self):
        # Duplicate phone/email are checked in clean(), with the existing customer named.
        return super()._get_validation_exclusions() | {"phone", "email"}

    def save(self, commit: bool = True) -> Customer:
        """Create or update through the service (the one writer of customers)."""
        if not commit:
            raise ValueError("CustomerForm saves through customers.services; use commit=True.")
        if self.errors:
            raise ValueError(f"The customer could not be saved: {self.errors.as_text()}")
        data = {name: self.cleaned_data[name] for name in services.EDITABLE}
        try:
            if self.instance.pk:
                return services.customer_update(customer=self.instance, **data)
            return services.customer_create(shop=self.shop, **data)
        except services.DuplicateCustomer as duplicate:
            self.existing_customer = duplicate.existing
            raise
