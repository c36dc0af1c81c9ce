"""Queueing a mass of messages worked out by the database (PostgreSQL): the daily close's
reminders to a whole book, where building a million notices in Python would take most of a
minute.

`queue_messages_sql` takes a query giving, per message, the loan (`loan_id`) and its borrower
(`customer_id`), the event (`template`), the template's values (`data`, JSON) and the message's place in the order they
are queued (`ord`), and writes the notices in one INSERT ... SELECT by the rules of
`lms.notices.outbox.queue_messages`: one notice per channel the borrower may be sent on
(e-mail always; SMS with a phone and the SMS gateway set up; WhatsApp with a phone, the
borrower's WhatsApp consent and the Cloud API set up), `no_address` for an e-mail without an
address, `opted_out` for a channel the borrower opted out of, and `capped` once the day's
cap of messages per borrower and channel is reached, counting the day's notices already
kept and the earlier messages of the same query in `ord` order.

Guarantee: the notices written are those `queue_messages` writes for the same messages in
the same order, ids aside (a test compares the two on one book). Nothing is committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from lms.notices.outbox import CHANNELS, KEPT
from lms.notices.templates import TEMPLATES
from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings

_QUEUE = """
WITH m AS MATERIALIZED ({source}),
b AS (
    SELECT m.loan_id, m.template, m.data, m.ord, c.id AS customer_id,
           c.email IS NOT NULL AS has_email, c.phone IS NOT NULL AS has_phone,
           coalesce(c.language, 'en') AS lang
    FROM m JOIN customers c ON c.id = m.customer_id
),
wanted AS (
    SELECT b.*, ch.channel, CASE
        WHEN ch.channel = 'email' AND NOT b.has_email THEN 'no_address'
        WHEN EXISTS (SELECT 1 FROM channel_opt_outs o WHERE o.customer_id = b.customer_id
                     AND o.channel = ch.channel AND o.opted_out) THEN 'opted_out'
        END AS barred
    FROM b CROSS JOIN unnest(%(channels)s::text[]) AS ch(channel)
    WHERE ch.channel = 'email'
       OR (ch.channel = 'sms' AND b.has_phone AND %(sms)s)
       OR (ch.channel = 'whatsapp' AND b.has_phone AND %(whatsapp)s AND EXISTS (
           SELECT 1 FROM consents k WHERE k.customer_id = b.customer_id
           AND k.purpose = 'whatsapp'))
),
ranked AS (
    SELECT w.*, CASE WHEN w.barred IS NULL THEN row_number() OVER (
        PARTITION BY w.customer_id, w.channel, w.barred IS NULL ORDER BY w.ord) END AS k
    FROM wanted w
),
sent AS (
    SELECT n.customer_id, n.channel, count(*) AS n FROM notices n
    WHERE n.day = %(day)s AND n.status = ANY(%(kept)s)
      AND n.customer_id IN (SELECT DISTINCT customer_id FROM b)
    GROUP BY n.customer_id, n.channel
)
, ins AS (INSERT INTO notices (loan_id, customer_id, channel, template, version, lang, data, day,
                     recipient, status, created_at)
SELECT r.loan_id, r.customer_id, r.channel, r.template, t.version, r.lang, r.data,
       %(day)s, NULL, coalesce(r.barred, CASE WHEN coalesce(s.n, 0) + r.k <= %(cap)s
                                         THEN 'queued' ELSE 'capped' END),
       %(now)s
FROM ranked r
LEFT JOIN sent s ON s.customer_id = r.customer_id AND s.channel = r.channel
JOIN (VALUES {versions}) AS t(template, version) ON t.template = r.template
ORDER BY r.ord, array_position(%(channels)s::text[], r.channel::text)
RETURNING loan_id)
SELECT count(*), count(DISTINCT loan_id) FROM ins
"""


def queue_messages_sql(
    uow: UnitOfWork, source: str, params: Mapping[str, Any], day: date
) -> tuple[int, int]:
    """Queue on business date `day` the messages of the query `source` (columns loan_id,
    customer_id (the loan's borrower), template, data, ord; with `params`) as
    `queue_messages` would; how many notices were written, and for how many loans."""
    settings = get_settings()
    versions = ", ".join(
        f"('{name}', {int(template.version)})" for name, template in TEMPLATES.items()
    )
    uow.session.flush()
    connection = uow.session.connection()  # the sorts of a partition's messages in memory
    connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    notices, loans = connection.exec_driver_sql(
        _QUEUE.format(source=source, versions=versions),
        {
            **params, "day": day, "kept": list(KEPT), "channels": list(CHANNELS),
            "cap": settings.messages_per_day,
            "sms": bool(settings.sms_url), "whatsapp": bool(settings.whatsapp_phone_id),
            "now": datetime.now(UTC),
        },
    ).one()  # fmt: skip
    return int(notices), int(loans)
