"""Amounts of money as a shop shows them: £1,234.50, -£5.00, or 1,234.50 CHF."""

from decimal import Decimal

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}


def format_money(amount: Decimal | int, currency: str) -> str:
    sign = "-" if amount < 0 else ""
    symbol = SYMBOLS.get(currency)
    if symbol:
        return f"{sign}{symbol}{abs(amount):,.2f}"
    return f"{sign}{abs(amount):,.2f} {currency}"
