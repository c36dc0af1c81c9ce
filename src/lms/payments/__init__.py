"""Money coming in: bank statements matched to loans (and, as they are added, mandates, UPI,
gateways, branch receipts and refunds)."""
