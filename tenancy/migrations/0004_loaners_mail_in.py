"""Row-level security on the loaners' and mail-in tables, one line each (as 0003)."""

from django.db import migrations

from tenancy import rls


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0003_api_transfers_recurring"),
        ("loaners", "0001_initial"),
        ("mailin", "0001_initial"),
    ]

    operations = [
        rls.protect(table) for table in ("loaners_loaner", "loaners_loan", "mailin_mailin")
    ]
