"""Row-level security on the tables the API, branch moves, job templates and recurring visits
added after tenancy 0001, one line each (re-running the catch-all would also drop the
memberships' own_rows policy, which only `protect("shops_membership")` puts back)."""

from django.db import migrations

from tenancy import rls


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_leakproof_search_operators"),
        ("api", "0002_same_shop_keys_and_audit"),
        ("audit", "0004_templates_and_schedules"),
        ("recurring", "0001_initial"),
        ("shops", "0016_technicians_move_branches"),
        ("tickets", "0025_transfers_templates_checklists"),
    ]

    operations = [
        rls.protect(table)
        for table in (
            "api_apikey",
            "api_webhookendpoint",
            "api_webhookevent",
            "api_webhookdelivery",
            "tickets_branchtransfer",
            "tickets_jobtemplate",
            "tickets_jobtemplateline",
            "tickets_checklistitem",
            "recurring_schedule",
            "recurring_scheduledevice",
            "recurring_visit",
        )
    ]
