from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self) -> None:
        from billing import receivers  # noqa: F401  (connects to tickets' signals)
        from billing.selectors import paid_in_full_sql
        from tickets.board import CardBadge, card_badge_register

        # "Paid" on the board's card once the invoice is paid in full, read in the cards' own
        # query (only ready and collected jobs are invoiced, so the others skip the look-up).
        paid = paid_in_full_sql(shop="w.shop_id", works_order_id="w.id")
        card_badge_register(
            CardBadge("paid", "Paid", f"w.status IN ('ready', 'collected') AND {paid}")
        )
