"""A customer's erasure and the trail (privacy.services.customer_erase).

While `benchdesk.erasing_customer` is set (only inside the erasure's own transaction), the
erasure's rewrites are not recorded — the trail would otherwise keep, as "before", what was
just erased; the privacy record says what the erasure did — and the trail's own entries may have
their before/after text redacted, nothing else of them.
"""

import importlib

from django.db import migrations

ERASING = "COALESCE(current_setting('benchdesk.erasing_customer', true), '') ~ '^[0-9]+$'"

RECORD = importlib.import_module("audit.migrations.0002_triggers").RECORD
RECORD_SKIPS_ERASURE = RECORD.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION").replace(
    "BEGIN\n", f"BEGIN\n    IF {ERASING} THEN\n        RETURN NULL;\n    END IF;\n", 1
)
RECORD_AGAIN = RECORD.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")

SEAL_WITH_ERASURE = f"""
CREATE OR REPLACE FUNCTION audit_change_is_sealed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {ERASING}
       AND to_jsonb(OLD) - 'before' - 'after' = to_jsonb(NEW) - 'before' - 'after' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an audit entry cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
"""
SEAL_AGAIN = """
CREATE OR REPLACE FUNCTION audit_change_is_sealed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'an audit entry cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_triggers")]

    operations = [
        migrations.RunSQL(RECORD_SKIPS_ERASURE, RECORD_AGAIN),
        migrations.RunSQL(SEAL_WITH_ERASURE, SEAL_AGAIN),
    ]
