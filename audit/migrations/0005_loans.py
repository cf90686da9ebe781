"""A loan holds a deposit and a manager's waiver that lets a job go with its loaner out:
audited with the payments (the deposit itself is a billing payment, audited already)."""

from django.db import migrations

ALL = "INSERT OR UPDATE OR DELETE"

TRACKED = [("audit_loan", "loaners_loan", ALL, "invoices", "except", "")]


def create_trigger(name, table, events, kind, mode, columns) -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW "
        f"EXECUTE FUNCTION audit_record_change('{kind}', '{mode}', '{columns}');"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_templates_and_schedules"),
        ("loaners", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(create_trigger(*spec), f"DROP TRIGGER {spec[0]} ON {spec[1]};")
        for spec in TRACKED
    ]
