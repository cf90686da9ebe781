"""Job templates carry prices (their default lines) and schedules are shop settings: audited
like the pricebook and the branches (the trigger function is 0002's)."""

from django.db import migrations

ALL = "INSERT OR UPDATE OR DELETE"

TRACKED = [
    ("audit_jobtemplate", "tickets_jobtemplate", ALL, "prices", "except", "updated_at"),
    ("audit_jobtemplateline", "tickets_jobtemplateline", ALL, "prices", "except", ""),
    (
        "audit_schedule",
        "recurring_schedule",
        ALL,
        "settings",
        "except",
        "next_index,next_due,raise_on",
    ),
]


def create_trigger(name, table, events, kind, mode, columns) -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW "
        f"EXECUTE FUNCTION audit_record_change('{kind}', '{mode}', '{columns}');"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_erasure"),
        ("tickets", "0025_transfers_templates_checklists"),
        ("recurring", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(create_trigger(*spec), f"DROP TRIGGER {spec[0]} ON {spec[1]};")
        for spec in TRACKED
    ]
