"""The borrower portal's pages under /my."""
