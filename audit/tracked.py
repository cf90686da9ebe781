"""The tracked tables as the audit page names them: which model, and how to say which object.

The triggers themselves are in migrations/0002_triggers.py (a migration keeps its own copy).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tracked:
    model: str  # "app_label.ModelName"
    related: tuple[str, ...] = ()  # select_related to describe the object in one query


TABLES: dict[str, Tracked] = {
    "pricebook_priceoption": Tracked(
        "pricebook.PriceOption", ("entry__device_model", "entry__repair_type")
    ),
    "pricebook_pricebookentry": Tracked(
        "pricebook.PricebookEntry", ("device_model", "repair_type")
    ),
    "pricebook_optionpart": Tracked(
        "pricebook.OptionPart",
        ("option__entry__device_model", "option__entry__repair_type", "part"),
    ),
    "tickets_quoteline": Tracked("tickets.QuoteLine"),
    "tickets_worksorder": Tracked("tickets.WorksOrder"),
    "shops_shop": Tracked("shops.Shop"),
    "shops_branch": Tracked("shops.Branch"),
    "shops_openinghours": Tracked("shops.OpeningHours", ("branch",)),
    "shops_closeddate": Tracked("shops.ClosedDate", ("branch",)),
    "tickets_slatarget": Tracked("tickets.SlaTarget"),
    "shops_termsversion": Tracked("shops.TermsVersion"),
    "shops_membership": Tracked("shops.Membership", ("user",)),
    "shops_membershipbranch": Tracked("shops.MembershipBranch", ("membership__user", "branch")),
    "shops_invitation": Tracked("shops.Invitation"),
    "parts_stockmovement": Tracked("parts.StockMovement", ("part", "branch")),
    "parts_stocklevel": Tracked("parts.StockLevel", ("part", "branch")),
    "tickets_consent": Tracked("tickets.Consent"),
    "tickets_approval": Tracked("tickets.Approval"),
    "billing_invoice": Tracked("billing.Invoice"),
    "billing_payment": Tracked("billing.Payment"),
    "billing_paymentexemption": Tracked("billing.PaymentExemption"),
    "api_apikey": Tracked("api.ApiKey"),
    "api_webhookendpoint": Tracked("api.WebhookEndpoint"),
    "tickets_jobtemplate": Tracked("tickets.JobTemplate"),
    "tickets_jobtemplateline": Tracked("tickets.JobTemplateLine", ("template",)),
    "recurring_schedule": Tracked("recurring.Schedule"),
    "loaners_loan": Tracked("loaners.Loan", ("loaner", "works_order")),
    "booking_bookingsettings": Tracked("booking.BookingSettings"),
    "booking_branchcapacity": Tracked("booking.BranchCapacity", ("branch",)),
}
