"""Domain events out: the loan book's changes as events (from its append-only history), kept
in an outbox and delivered to subscribed systems as signed webhooks and to a message broker."""
