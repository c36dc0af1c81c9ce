"""Domain errors of the loan services; the web layer maps them to problem+json responses.

Guarantee: every error names what is wrong in terms a caller can act on; services raise only
these (never HTTP errors) and write nothing when they raise.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a service may raise."""


class NotFoundError(DomainError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"no {what} {key!r}")
        self.what, self.key = what, key


class InvalidError(DomainError):
    """Input that breaks a rule: every problem as (field, reason)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))
        self.problems = problems


class ConflictError(DomainError):
    """A request that contradicts the loan's state or an earlier request with the same key."""
