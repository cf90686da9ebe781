"""The quote lines from a pricebook option add up to the price shown, to the penny, as the works
order itself adds them (tickets.models.QuoteLine: VAT per line, rounded half up)."""

from decimal import Decimal

import pytest

from parts.models import Part
from pricebook.pricing import ROUNDING_LINE, PartUse, quote_lines
from pricebook.selectors import quote_lines_for, quote_option, quote_options
from tests.factories import OptionPartFactory, PriceOptionFactory, WorksOrderFactory
from tickets.models import LineKind, QuoteLine

D = Decimal
SCREEN = PartUse(1, "IP13-SCR", "iPhone 13 screen", 1, D("98.50"), D("0.00"), D("20"))
GLUE = PartUse(2, "ADH-KIT", "Adhesive kit", 2, D("0.60"), D("1.03"), D("5"))


def as_works_order_adds_them(lines) -> tuple[Decimal, Decimal, Decimal]:
    quote = [
        QuoteLine(quantity=line.quantity, unit_price=line.unit_price, vat_rate=line.vat_rate)
        for line in lines
    ]
    net = sum((q.net for q in quote), D("0.00"))
    vat = sum((q.vat for q in quote), D("0.00"))
    return net, vat, sum((q.gross for q in quote), D("0.00"))


def prices(upto: int = 400_00, step: int = 7):
    return [D(pennies) / 100 for pennies in range(0, upto, step)]


@pytest.mark.parametrize("parts", [(), (SCREEN,), (SCREEN, GLUE)], ids=["labour", "1 part", "2"])
def test_a_price_including_vat_is_what_the_lines_add_up_to(parts):
    for price in prices():
        lines = quote_lines(
            price=price,
            includes_vat=True,
            labour_vat_rate=D("20"),
            labour_description="Labour",
            parts=parts,
        )
        assert as_works_order_adds_them(lines)[2] == price, (price, lines)
        assert all(line.unit_price >= 0 for line in lines)


@pytest.mark.parametrize("parts", [(), (SCREEN,), (SCREEN, GLUE)], ids=["labour", "1 part", "2"])
def test_a_price_excluding_vat_is_the_net_of_the_lines(parts):
    for price in prices():
        lines = quote_lines(
            price=price,
            includes_vat=False,
            labour_vat_rate=D("20"),
            labour_description="Labour",
            parts=parts,
        )
        assert as_works_order_adds_them(lines)[0] == price, (price, lines)


def test_an_unreachable_gross_puts_a_penny_of_labour_on_a_line_of_its_own():
    # Nothing net + 20 % VAT (rounded per line) makes £99.99 on one line: £83.32 makes £99.98.
    lines = quote_lines(
        price=D("99.99"), includes_vat=True, labour_vat_rate=D("20"), labour_description="Labour"
    )
    assert [(line.description, line.unit_price) for line in lines] == [
        ("Labour", D("83.32")),
        (ROUNDING_LINE, D("0.01")),
    ]
    assert all(line.kind == LineKind.LABOUR for line in lines)
    assert as_works_order_adds_them(lines) == (D("83.33"), D("16.66"), D("99.99"))


def test_parts_go_on_at_their_sell_price_and_labour_takes_the_rest():
    lines = quote_lines(
        price=D("189.00"),
        includes_vat=True,
        labour_vat_rate=D("20"),
        labour_description="Screen replacement (labour)",
        parts=(SCREEN, GLUE),
    )
    assert [(line.kind, line.description, line.quantity, line.unit_price) for line in lines] == [
        (LineKind.PART, "iPhone 13 screen", 1, D("98.50")),  # no sell price: at cost
        (LineKind.PART, "Adhesive kit", 2, D("1.03")),
        (LineKind.LABOUR, "Screen replacement (labour)", 1, D("57.20")),  # 189 − 118.20 − 2.16
    ]
    assert [line.vat_rate for line in lines] == [D("20"), D("5"), D("20")]
    assert as_works_order_adds_them(lines)[2] == D("189.00")


def test_parts_dearer_than_the_price_are_scaled_down_and_labour_is_never_negative():
    lines = quote_lines(
        price=D("50.00"),
        includes_vat=True,
        labour_vat_rate=D("20"),
        labour_description="Labour",
        parts=(SCREEN,),
    )
    assert lines[0].unit_price < D("41.67")
    assert all(line.unit_price >= 0 for line in lines)
    assert as_works_order_adds_them(lines)[2] == D("50.00")


@pytest.mark.parametrize("include_vat", [True, False], ids=["incl VAT", "excl VAT"])
def test_the_booked_works_order_quotes_the_gross_the_pricebook_shows(personas, include_vat):
    shop = personas.shop
    shop.pricebook_prices_include_vat = include_vat
    shop.save()
    option = PriceOptionFactory(shop=shop, price=D("99.99"))
    OptionPartFactory(shop=shop, option=option, part__cost=D("33.33"), part__vat_rate=D("20"))
    OptionPartFactory(shop=shop, option=option, part__cost=D("12.34"), part__vat_rate=D("5"))

    shown = quote_option(shop, option.pk)
    works_order = WorksOrderFactory(
        branch=personas.branch, by=personas.front_desk, lines=quote_lines_for(option)
    )

    assert works_order.quote_gross() == shown.price_gross
    assert (shown.price_net + shown.vat, shown.price_gross) == (shown.price_gross,) * 2
    if include_vat:
        assert shown.price_gross == D("99.99")
    else:
        assert shown.price_net == D("99.99")
        # VAT per line: screen 6.67, adhesive (at 5 %) 0.62, labour 54.32 → 10.86
        assert shown.price_gross == D("99.99") + D("6.67") + D("0.62") + D("10.86")


def test_quote_options_answer_in_the_order_asked_with_grades_in_order(
    personas, django_assert_num_queries
):
    shop = personas.shop
    screen = PriceOptionFactory(shop=shop, grade="aftermarket", price=D("119.00"))
    entry = screen.entry
    PriceOptionFactory(shop=shop, entry=entry, grade="oem", price=D("189.00"))
    OptionPartFactory(shop=shop, option=screen, part__cost=D("38.00"))
    battery = PriceOptionFactory(
        shop=shop, entry__device_model=entry.device_model, grade="", price=D("29.00")
    ).entry
    switched_off = PriceOptionFactory(shop=shop, entry__device_model=entry.device_model).entry
    switched_off.is_active = False
    switched_off.save()
    elsewhere = PriceOptionFactory(shop=personas.outsider.shop).entry.repair_type

    with django_assert_num_queries(4):
        quotes = quote_options(
            shop,
            entry.device_model,
            [battery.repair_type, entry.repair_type.pk, switched_off.repair_type, elsewhere],
        )

    assert [q.repair_type_id for q in quotes] == [
        battery.repair_type_id,
        entry.repair_type_id,
        switched_off.repair_type_id,
    ]
    assert [o.grade for o in quotes[1].options] == ["oem", "aftermarket"]
    assert [o.price_gross for o in quotes[1].options] == [D("189.00"), D("119.00")]
    aftermarket = quotes[1].options[1]
    assert (aftermarket.labour_minutes, aftermarket.warranty_days) == (45, 90)
    part = Part.objects.for_shop(shop).get()
    assert [p.part_number for p in aftermarket.parts] == [part.part_number]
    assert quotes[0].options[0].grade_label == "Standard"
    assert not quotes[2].has_price  # switched off: quoted by hand


def test_an_option_of_another_shop_is_not_found(personas):
    theirs = PriceOptionFactory(shop=personas.outsider.shop)
    with pytest.raises(type(theirs).DoesNotExist):
        quote_option(personas.shop, theirs.pk)
