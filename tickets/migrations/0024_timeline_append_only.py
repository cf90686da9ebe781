"""The timeline becomes append-only in the database, like the stock ledger and consents.

One narrow way through: a customer's erasure may blank the text and data of entries (never
who, when, which job or which step) in a transaction that has said so with
`SET LOCAL benchdesk.erasure = 'on'`, which only tickets.services.timeline_open_for_erasure()
does. A DELETE is always refused.
"""

from django.db import migrations

SEAL_TIMELINE = """
CREATE FUNCTION tickets_timelineentry_is_sealed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('benchdesk.erasure', true) = 'on'
       AND (NEW.id, NEW.shop_id, NEW.works_order_id, NEW.event, NEW.actor_id, NEW.at,
            NEW.from_status, NEW.time_in_from_status)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.shop_id, OLD.works_order_id, OLD.event, OLD.actor_id, OLD.at,
            OLD.from_status, OLD.time_in_from_status)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a timeline entry cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tickets_timelineentry_sealed BEFORE UPDATE OR DELETE ON tickets_timelineentry
    FOR EACH ROW EXECUTE FUNCTION tickets_timelineentry_is_sealed();
"""
UNSEAL_TIMELINE = """
DROP TRIGGER tickets_timelineentry_sealed ON tickets_timelineentry;
DROP FUNCTION tickets_timelineentry_is_sealed();
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0023_retention_indexes")]

    operations = [migrations.RunSQL(SEAL_TIMELINE, UNSEAL_TIMELINE)]
