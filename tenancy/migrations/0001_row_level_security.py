"""Row-level security on every tenant table, and the two roles (see tenancy/rls.py).

Depends on the latest migration of every app with tenant tables, so that PROTECT_ALL finds them
all; a table added later is protected by its own migration with `tenancy.rls.protect(...)` (the
catalogue test in tests/tenancy/test_row_level_security.py fails until it is).
"""

from django.db import migrations

from tenancy import rls


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_erasure"),
        ("billing", "0004_documents_and_till"),
        ("customers", "0003_sms_opt_out"),
        ("devices", "0003_lookup_indexes"),
        ("notifications", "0005_retention_indexes"),
        ("parts", "0005_works_order_part_repair"),
        ("pricebook", "0003_starter_repair_types"),
        ("privacy", "0002_erasure_unseals_names"),
        ("reports", "0004_weekly_summary_claims"),
        ("shops", "0015_quiet_hours_defaults_called"),
        ("tickets", "0024_timeline_append_only"),
        ("axes", "__latest__"),
        ("sessions", "__latest__"),
        ("admin", "__latest__"),
    ]

    operations = [
        migrations.RunSQL(rls.ROLES, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(rls.GRANTS, reverse_sql=rls.REVOKES),
        migrations.RunSQL(rls.PROTECT_FUNCTION, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(rls.PROTECT_ALL, reverse_sql=rls.UNPROTECT_ALL),
        rls.protect("shops_shop", shop_column="id"),
        rls.protect("shops_membership"),
    ]
