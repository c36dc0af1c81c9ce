"""The outbox of notices to borrowers.

Guarantees: a notice is queued in the same transaction as the event it tells of (a returned
debit and its notice are written together or not at all); it is sent at most once (marked
sent, with the time, in the transaction after the SMTP server accepted it); never deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.platform.db import Base


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    template: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    recipient: Mapped[str | None] = mapped_column(String(254))  # None: no e-mail on file
    status: Mapped[str] = mapped_column(String(10), index=True)  # queued, sent, no_address, failed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
