"""Collateral on loans: gold ornaments and coins pledged, valued every day from the gold price
series, the loan-to-value ratio watched against the ceilings, margin calls, and release of the
pledge when the loan closes (`models`, `service`)."""
