"""Filling the desk's intake form the same way in every browser test."""

from __future__ import annotations


def fill_desk_intake(page, subject: str, content: str, locality: str = "11311") -> None:
    """Type a walk-in land complaint into the open form (petitioners not yet filled)."""
    page.get_by_label("Loại đơn").select_option("complaint")
    page.get_by_label("Lĩnh vực").select_option("land")
    page.get_by_label("Trích yếu nội dung").fill(subject)
    page.get_by_label("Nội dung đơn").fill(content)
    page.get_by_label("Kênh tiếp nhận").select_option("walk_in")
    page.get_by_label("Xã, phường, đặc khu").select_option(locality)
