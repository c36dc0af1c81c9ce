"""The steps of the daily close, in order. Each is a module with one job and a `run(uow, day,
low, high)` that works on one partition at once (ids from `low` to `high`, of loans or, where
the step is borrower-level, of customers) and returns how many loans it touched."""
