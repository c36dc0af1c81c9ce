"""The pure core: money, day counts, calendars, frequencies, schedules and APR.

Guarantee: every module here imports only the Python standard library, never reads the clock or
the environment, and never performs I/O. Every date it needs (`disbursement_date`, `as_of`) is a
parameter. All amounts are `decimal.Decimal`, built through `lms.core.money.money`.
"""
