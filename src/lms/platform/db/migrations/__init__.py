"""Alembic migration scripts for the lms schema (run through Alembic, never imported)."""
