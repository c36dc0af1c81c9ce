"""Notices to borrowers: queued in an outbox by the services that have something to say, sent
by e-mail over SMTP by `lms notices send`."""
