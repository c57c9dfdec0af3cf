"""How long the free texts of a case may be: one number per text, read by the web forms and
the API alike (a QA pass found a reason the page accepted refused by the API, and the API
taking summaries twelve times longer than the page)."""

from __future__ import annotations

CONTENT_MAX = 20_000  # a petition's content as reception logs it (desk form, API)
REASON_MAX = 4_000  # the reason of an agency's decision (refuse, extend, return, transfer, …)
SUMMARY_MAX = 8_000  # the summary of a resolution
