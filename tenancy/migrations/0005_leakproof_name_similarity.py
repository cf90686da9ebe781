"""The customer search by name keeps the trigram index under row-level security.

As 0002 did for ILIKE and the number ranges: the word similarity operator `%>` (pg_trgm's
word_similarity_commutator_op, for a name half typed or typed with a slip) cannot fail on a
row's value and says nothing but its result, so it is marked LEAKPROOF and may be an index
condition beneath the shop policy. Without it every name search read each of
the shop's customers and worked out its trigrams: 370 ms for "smith" among 235,000 customers,
on every keystroke of the intake screen's customer finder. Only a superuser may mark it; for
an owner that is not one, the migration leaves it (and the search works, slower) with a notice.
"""

from django.db import migrations

from tenancy import rls

FUNCTIONS = ["word_similarity_commutator_op(text, text)"]


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0004_loaners_mail_in"),
        ("customers", "0004_list_by_name"),  # pg_trgm is there by then
    ]

    operations = [
        rls.mark_leakproof(FUNCTIONS, slower="name similarity left as it is (customer search is slower)"),
    ]
