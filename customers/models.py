from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone

from shops.tenancy import ShopOwned


class ContactMethod(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone call"


class CustomerType(models.TextChoices):
    WALK_IN = "walk_in", "Walk-in"
    BUSINESS = "business", "Business account"
    WARRANTY = "warranty", "Warranty"


class Customer(ShopOwned):
    """Someone who brings devices in. One phone number or email address is one customer."""

    full_name = models.CharField(max_length=150)
    phone = models.CharField("mobile phone", max_length=20, blank=True, help_text="Stored in E.164")
    email = models.EmailField(blank=True)
    preferred_contact = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.SMS
    )
    customer_type = models.CharField(
        max_length=10, choices=CustomerType.choices, default=CustomerType.WALK_IN
    )
    company_name = models.CharField(max_length=150, blank=True)
    address = models.TextField(blank=True, help_text="Only needed for courier repairs.")
    marketing_consent = models.BooleanField("happy to hear about offers", default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the customer texts STOP (or a synonym), cleared by START: no SMS goes to them
    # meanwhile, and staff see when and why.
    sms_opted_out_at = models.DateTimeField("opted out of SMS", null=True, blank=True)
    sms_opt_out_word = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["full_name", "id"]  # the id: namesakes keep their places across pages
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "phone"],
                condition=~models.Q(phone=""),
                name="customer_phone_once_per_shop",
                violation_error_message="A customer with this phone number already exists.",
            ),
            models.UniqueConstraint(
                fields=["shop", "email"],  # stored lower-case by the service
                condition=~models.Q(email=""),
                name="customer_email_once_per_shop",
                violation_error_message="A customer with this email address already exists.",
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="customer_shop_id_key"),
        ]
        indexes = [
            # Lookups by phone and email. The unique constraints above are partial (a blank
            # phone or email may repeat), and the plan of a prepared statement cannot use a
            # partial index for `phone = $1`: without these it reads the whole shop.
            models.Index(fields=["shop", "phone"], name="customer_phone"),
            models.Index(fields=["shop", "email"], name="customer_email"),
            # An email's beginning, typed in a search: byte-wise ranges (~>=~ and ~<~, safe
            # under the shop policy) whatever the database's collation.
            models.Index(
                fields=["shop", "email"],
                opclasses=["int8_ops", "text_pattern_ops"],
                name="customer_email_prefix",
            ),
            # Name search as you type (ILIKE '%…%' and similarity) within one shop.
            GinIndex(
                fields=["shop", "full_name"],
                opclasses=["int8_ops", "gin_trgm_ops"],
                name="customer_name_trgm",
            ),
            # The customer list, everyone by name: a page is read in order along this index,
            # where the big shop's 235,000 customers were sorted for each page (100 ms).
            models.Index(fields=["shop", "full_name", "id"], name="customer_by_name"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def first_name(self) -> str:
        return self.full_name.split(" ")[0]

    @property
    def surname(self) -> str:
        return self.full_name.split(" ")[-1]
