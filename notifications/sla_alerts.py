"""SLA alerts to managers: what a newly recorded crossing (tickets.sla_sweep) becomes.

For each crossing, each active owner and manager of the shop who works at the job's branch (or
who has no branches set, meaning the whole shop) gets, in one statement for the whole sweep:

- an Alert in the app (the bell's unread count), keyed "sla:<crossing id>";
- an email through the outbox, when they have an address;
- an SMS through the outbox, only when they asked for SLA alerts by SMS and gave a mobile number.

The email and the SMS are one per manager per sweep: a sweep (every minute) normally records
one crossing, and the message is about that job; a sweep that catches up after an outage, or
finds a morning's jobs all turning at risk at opening time, sends each manager one message
listing them (the first LISTED, then a count) instead of hundreds. Every crossing still has
its own alert in the app.

The rows are written in the sweep's transaction (alerts keyed once per crossing and person,
messages once per person and first crossing of the batch) and sent by workers after commit:
nothing is sent inline, and a sweep that runs twice writes nothing twice. Staff SMS are not
held for the shop's quiet hours: those protect customers, and an SLA threshold falls inside
the branch's business hours (it is counted in them), so an alert is news when it is written.
Staff messages name no customer and no works order, so no customer thread or status page can
ever list them; the works order is in their words and link.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import Alert, Channel, Message, Stage, State
from shops.models import MANAGERS, Branch, Membership, MembershipBranch, User
from tickets.models import Priority, SlaCrossing, SlaThreshold, WorksOrder

# How many message ids one fan-out task carries: the sweep's call makes a few trips to the
# broker after commit, not one per message.
FAN_OUT = 1000
# The jobs one email lists; the rest are counted (and each is in the alerts page).
LISTED = 50

_TABLES = {
    "crossing": SlaCrossing._meta.db_table,
    "works_order": WorksOrder._meta.db_table,
    "branch": Branch._meta.db_table,
    "membership": Membership._meta.db_table,
    "membership_branch": MembershipBranch._meta.db_table,
    "user": User._meta.db_table,
    "alert": Alert._meta.db_table,
    "message": Message._meta.db_table,
}

# "Jack Reynolds" → "Jack R."; a single name stays as it is.
_SHORT_NAME = """CASE WHEN position(' ' IN btrim({name})) > 0
    THEN split_part(btrim({name}), ' ', 1) || ' '
         || left(regexp_replace(btrim({name}), '^.*\\s', ''), 1) || '.'
    ELSE btrim({name}) END"""

ALERTS_SQL = """
WITH crossing AS (
    SELECT c.id, c.shop_id, c.branch_id, c.threshold, w.number,
           to_char(c.due_at AT TIME ZONE b.timezone, 'Dy FMDD Mon HH24:MI') AS due,
           (%(priority_labels)s::text[])[array_position(%(priorities)s::text[], w.priority::text)]
               AS priority,
           coalesce({short_name}, 'unassigned') AS technician,
           b.name AS branch_name
      FROM {crossing} c
      JOIN {works_order} w ON w.id = c.works_order_id
      JOIN {branch} b ON b.id = c.branch_id
      LEFT JOIN {membership} tm ON tm.id = w.assigned_to_id
      LEFT JOIN {user} tu ON tu.id = tm.user_id
     WHERE c.id = ANY(%(ids)s)
), worded AS (
    SELECT crossing.*,
           number || CASE WHEN threshold = %(at_risk)s THEN ' is at risk: due '
                          ELSE ' has breached its SLA: was due ' END
                  || due || ' (' || coalesce(priority, 'no priority') || ', ' || technician || ')'
               AS text,
           %(url_head)s || number || %(url_tail)s AS url
      FROM crossing
), recipient AS (
    SELECT worded.*, m.id AS member_id, u.email, m.mobile, m.sla_alerts_by_sms
      FROM worded
      JOIN {membership} m ON m.shop_id = worded.shop_id AND m.is_active
                          AND m.role = ANY(%(managers)s)
      JOIN {user} u ON u.id = m.user_id AND u.is_active
     WHERE EXISTS (SELECT 1 FROM {membership_branch} mb
                    WHERE mb.membership_id = m.id AND mb.branch_id = worded.branch_id)
        OR NOT EXISTS (SELECT 1 FROM {membership_branch} mb WHERE mb.membership_id = m.id)
), alerted AS (
    INSERT INTO {alert} (shop_id, member_id, key, text, url, created_at)
    SELECT shop_id, member_id, 'sla:' || id, left(text, 300), left(url, 300), %(written)s
      FROM recipient
     ORDER BY id, member_id
        ON CONFLICT (shop_id, member_id, key) DO NOTHING
    RETURNING id
), mail AS (
    -- One email (and SMS) per manager per sweep: the usual sweep brings one crossing, and then
    -- it is about that job alone; a sweep after an outage lists them rather than sending
    -- thousands. Keyed by the first crossing of the batch, which no other sweep records.
    SELECT shop_id, member_id, min(email) AS email, min(mobile) AS mobile,
           bool_or(sla_alerts_by_sms) AS sms_wanted, min(id) AS first_id, count(*) AS total,
           count(*) FILTER (WHERE threshold = %(at_risk)s) AS at_risk,
           (array_agg(text ORDER BY id))[1] AS first_text,
           (array_agg(url ORDER BY id))[1] AS first_url,
           (array_agg(number || ' (' || branch_name || ')' ORDER BY id))[1] AS first_job,
           (array_agg(threshold ORDER BY id))[1] AS first_threshold,
           (array_agg(branch_name ORDER BY id))[1] AS first_branch,
           string_agg(text || E'\n  ' || %(base)s || url, E'\n' ORDER BY id)
               FILTER (WHERE line <= %(listed)s) AS listing
      FROM (SELECT recipient.*,
                   row_number() OVER (PARTITION BY member_id ORDER BY id) AS line
              FROM recipient) numbered
     GROUP BY shop_id, member_id
), worded_mail AS (
    SELECT mail.*, total - at_risk AS breached,
           CASE WHEN total = 1 THEN
               CASE WHEN first_threshold = %(at_risk)s THEN 'At risk: ' ELSE 'SLA breached: ' END
               || first_job
           ELSE 'SLA: ' || concat_ws(', ',
                    CASE WHEN at_risk > 0 THEN at_risk || ' at risk' END,
                    CASE WHEN total > at_risk THEN (total - at_risk) || ' breached' END)
           END AS summary
      FROM mail
), queued AS (
    INSERT INTO {message}
           (shop_id, works_order_id, customer_id, member_id, stage, channel, key, recipient,
            subject, body, state, not_sent_reason, provider_id, attempts, last_error,
            send_after, created_at, state_changed_at)
    SELECT m.shop_id, NULL, NULL, m.member_id, %(stage)s, ch.channel,
           'sla:' || m.first_id || ':' || m.member_id || ':' || ch.channel, ch.recipient,
           CASE WHEN ch.channel = %(email)s THEN left(m.summary, 200) ELSE '' END,
           CASE
               WHEN ch.channel = %(email)s AND m.total = 1 THEN
                   m.first_text || E'.\n\nOpen the works order: ' || %(base)s || m.first_url
                   || E'\n\nYou get this as a manager of ' || m.first_branch || '.'
               WHEN ch.channel = %(email)s THEN
                   m.summary || E'.\n\n' || m.listing
                   || CASE WHEN m.total > %(listed)s
                           THEN E'\n…and ' || (m.total - %(listed)s) || ' more.' ELSE '' END
                   || E'\n\nAll your alerts: ' || %(base)s || %(alerts_url)s
               WHEN m.total = 1 THEN m.first_text || ' ' || %(base)s || m.first_url
               ELSE m.summary || '. First: ' || m.first_text || '. All: '
                    || %(base)s || %(alerts_url)s
           END,
           %(queued_state)s, '', '', 0, '', %(written)s, %(written)s, %(written)s
      FROM worded_mail m
     CROSS JOIN LATERAL (VALUES (%(email)s, m.email),
                                (%(sms)s, m.mobile)) AS ch (channel, recipient)
     WHERE ch.recipient <> '' AND (ch.channel = %(email)s OR m.sms_wanted)
     ORDER BY m.member_id, ch.channel
        ON CONFLICT (shop_id, key) DO NOTHING
    RETURNING id, channel
)
SELECT (SELECT count(*) FROM alerted),
       (SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM queued WHERE channel = %(email)s),
       (SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM queued WHERE channel = %(sms)s)
""".format(short_name=_SHORT_NAME.format(name="tu.full_name"), **_TABLES)


def sla_alerts_queue(*, crossing_ids: list[int], now: datetime.datetime) -> dict[str, int]:
    """Alerts, emails and SMS for these crossings, each written once, sent after commit."""
    head, _, tail = reverse("works_order_detail", args=["NUMBER"]).partition("NUMBER")
    written = timezone.now()  # the sweep's `now` may be a simulated clock; rows carry the real one
    params = {
        "ids": crossing_ids,
        "priorities": list(Priority.values),
        "priority_labels": [str(label) for label in Priority.labels],
        "at_risk": SlaThreshold.AT_RISK.value,
        "managers": [role.value for role in MANAGERS],
        "url_head": head,
        "url_tail": tail,
        "base": settings.PUBLIC_BASE_URL.rstrip("/"),
        "written": written,
        "listed": LISTED,
        "alerts_url": reverse("alerts"),
        "stage": Stage.SLA_ALERT.value,
        "email": Channel.EMAIL.value,
        "sms": Channel.SMS.value,
        "queued_state": State.QUEUED.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(ALERTS_SQL, params)
        alerts, emails, texts = cursor.fetchone()
    message_ids = [*emails, *texts]
    if message_ids:
        transaction.on_commit(lambda: _enqueue(message_ids))
    return {"alerts": alerts, "emails": len(emails), "sms": len(texts)}


def _enqueue(message_ids: list[int]) -> None:
    from notifications.tasks import messages_send

    for start in range(0, len(message_ids), FAN_OUT):
        messages_send.delay(message_ids[start : start + FAN_OUT])
