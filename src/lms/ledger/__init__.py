"""The ledger: business events as balanced, append-only journal entries."""
