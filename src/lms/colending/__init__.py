"""Loans lent together with a partner lender under a co-lending arrangement: the arrangement's
shares, rates and fee share, the loans it covers, each lender's books of them (split from the
loans' own journal), and the daily settlement with the partner (`models`, `service`,
`settlement`)."""
