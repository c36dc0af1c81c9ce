"""The borrower's own access to the book: signing in by a one-time code, their loans, their
requests and complaints."""
