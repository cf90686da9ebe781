"""The history suggestions keep their trigram index under row-level security.

As tenancy 0002 explains, a policy is a security barrier: a query's own condition is an index
condition beneath it only when its function is LEAKPROOF. Suggestions (tickets/suggestions.py)
match a typed fault with `text %> fault`, pg_trgm's word similarity; without LEAKPROOF its GIN
index (works_order_history_trgm) is useless to the app's role and the match reads every finished
job of the shop. These functions compare two texts and return a boolean; they raise no error
that depends on a row's value. Only a superuser may mark them; for an owner that is not one, the
migration leaves them (suggestions work, slower) with a notice.
"""

from django.db import migrations

FUNCTIONS = [
    "word_similarity_op(text, text)",
    "word_similarity_commutator_op(text, text)",
]


def _alter(leakproof: bool) -> str:
    setting = "LEAKPROOF" if leakproof else "NOT LEAKPROOF"
    statements = "\n".join(f"        ALTER FUNCTION {f} {setting};" for f in FUNCTIONS)
    return f"""
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
{statements}
    ELSE
        RAISE NOTICE 'not a superuser: trigram word similarity left as it is (suggestions are slower)';
    END IF;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0003_api_transfers_recurring"),
        ("customers", "0001_initial"),  # pg_trgm
    ]

    operations = [migrations.RunSQL(_alter(True), reverse_sql=_alter(False))]
