"""Credit bureau (CIC) reporting: the consumer data file the credit information companies
accept, its validation, the rejection reports read back, and the borrower's intimation before
a default is first reported."""
