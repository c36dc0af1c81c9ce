"""The demo book: realistic borrowers and histories built through the real services."""
