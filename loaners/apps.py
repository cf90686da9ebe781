from django.apps import AppConfig


class LoanersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "loaners"
    verbose_name = "Loaner devices"

    def ready(self) -> None:
        from loaners import receivers  # noqa: F401  (answers tickets' collection_check)
        from loaners.models import Loan
        from tickets.board import CardBadge, card_badge_register

        # "Loaner out" on the board's card, read in the cards' one query (index loans_of_a_job).
        card_badge_register(
            CardBadge(
                "loaner",
                "Loaner out",
                f"EXISTS (SELECT 1 FROM {Loan._meta.db_table} l WHERE l.shop_id = w.shop_id"
                " AND l.works_order_id = w.id AND l.returned_at IS NULL)",
            )
        )
