"""The pricebook's new rows recorded per statement, from the statement's transition table: one
INSERT … SELECT into audit_change for the 70,000 rows a pricebook import adds, instead of a
PL/pgSQL call per row (2.8 s of a 30,000-row import's apply on the benchmark machine). The rows
written are the ones audit_record_change writes for an insert; changes and deletions are still
recorded per row by it (0002).

`audit_record_inserts(kind, 'only' | 'except', 'col,col,…')` takes the same arguments.
"""

from django.db import migrations

RECORD_INSERTS = r"""
CREATE FUNCTION audit_record_inserts() RETURNS trigger AS $$
DECLARE
    columns text[] := string_to_array(TG_ARGV[2], ',');
BEGIN
    INSERT INTO audit_change (shop_id, at, kind, table_name, object_id, works_order_id, action,
                              before, after, actor_member_id, actor, source)
    SELECT (added.row_now ->> 'shop_id')::bigint,
           now(),
           TG_ARGV[0],
           TG_TABLE_NAME,
           (added.row_now ->> 'id')::bigint,
           (added.row_now ->> 'works_order_id')::bigint,
           'insert',
           '{}'::jsonb,
           CASE WHEN TG_ARGV[1] = 'only'
                THEN (SELECT COALESCE(jsonb_object_agg(key, value), '{}'::jsonb)
                      FROM jsonb_each(added.row_now)
                      WHERE key = ANY(columns) AND key NOT IN ('id', 'shop_id'))
                ELSE added.row_now - ('{id,shop_id}'::text[] || columns)
           END,
           NULLIF(current_setting('benchdesk.audit_member', true), '')::bigint,
           COALESCE(NULLIF(current_setting('benchdesk.audit_actor', true), ''), 'system'),
           COALESCE(current_setting('benchdesk.audit_source', true), '')
    FROM (SELECT to_jsonb(n) AS row_now FROM new_rows n) added;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

# (trigger, table, kind, mode, columns): the pricebook's tables, as 0002 tracks them.
PRICEBOOK = [
    ("audit_priceoption", "pricebook_priceoption", "prices", "except", ""),
    ("audit_pricebookentry", "pricebook_pricebookentry", "prices", "except", "updated_at"),
    ("audit_optionpart", "pricebook_optionpart", "prices", "except", ""),
]


def per_statement(name, table, kind, mode, columns) -> migrations.RunSQL:
    arguments = f"'{kind}', '{mode}', '{columns}'"
    return migrations.RunSQL(
        f"DROP TRIGGER {name} ON {table};"
        f"CREATE TRIGGER {name} AFTER UPDATE OR DELETE ON {table} FOR EACH ROW"
        f" EXECUTE FUNCTION audit_record_change({arguments});"
        f"CREATE TRIGGER {name}_inserts AFTER INSERT ON {table}"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
        f" EXECUTE FUNCTION audit_record_inserts({arguments});",
        f"DROP TRIGGER {name}_inserts ON {table};"
        f"DROP TRIGGER {name} ON {table};"
        f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW"
        f" EXECUTE FUNCTION audit_record_change({arguments});",
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_loans")]

    operations = [
        migrations.RunSQL(RECORD_INSERTS, "DROP FUNCTION audit_record_inserts();"),
        *(per_statement(*spec) for spec in PRICEBOOK),
    ]
