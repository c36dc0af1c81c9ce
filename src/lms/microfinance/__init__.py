"""Group lending as microfinance institutions practise it: centres that meet on a regular day
with their field officer, joint liability groups and their members, loans lent through a group,
and each meeting's collection sheet, printed and posted (`models`, `centres`, `sheets`). The
household income check at booking lives with onboarding (lms.servicing.households)."""
