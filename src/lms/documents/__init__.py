"""Documents: loan statements and Key Facts Statements, as data, CSV and PDF."""
