"""Loans: products, loan accounts and the schedule spec that turns JSON into LoanTerms."""
