"""How long the free texts of a case may be: one number per text, read by the web forms and
the API alike (a QA pass found a reason the page accepted refused by the API, and the API
taking summaries twelve times longer than the page)."""

from __future__ import annotations

from datetime import date

CONTENT_MAX = 20_000  # a petition's content as reception logs it (desk form, API)
REASON_MAX = 4_000  # the reason of an agency's decision (refuse, extend, return, transfer, …)
SUMMARY_MAX = 8_000  # the summary of a resolution
ADMIN_REASON_MAX = 500  # an administrator's reason (lock, reopen, 2FA reset, closing an agency)

# The earliest day a date given to the app may name (the API's dates, `flask scorecard rebuild
# --from`): 0001-01-01 ended in an OverflowError (its midnight in Vietnam is before
# datetime.min in UTC), and no petition this system holds is that old.
EARLIEST_DATE = date(2000, 1, 1)
