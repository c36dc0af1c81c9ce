"""Risk: which loans will go bad, why, and what the portfolio will look like.

Each loan's months of behaviour (`months`), the features a month end gives (`features`), the
delinquency models trained on them with their measures (`training`, `measures`), the book
scored with reasons (`scoring`), and the portfolio forecast by roll rates (`forecast`)."""
