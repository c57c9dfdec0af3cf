"""JSON API v1 (bearer tokens, same permissions as the pages)."""

from complaints.web.api import bp  # noqa: F401
