from django.apps import AppConfig


class MailInConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mailin"
    verbose_name = "Mail-in repairs"

    def ready(self) -> None:
        from mailin.models import MailIn
        from tickets.board import CardBadge, card_badge_register

        # "Mail-in" on the board's card, so the bench knows it goes back by post.
        card_badge_register(
            CardBadge(
                "mailin",
                "Mail-in",
                f"EXISTS (SELECT 1 FROM {MailIn._meta.db_table} m WHERE m.shop_id = w.shop_id"
                " AND m.works_order_id = w.id)",
            )
        )
