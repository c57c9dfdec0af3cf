"""Filling the citizens' online form the same way in every browser test."""

from __future__ import annotations


def fill_complaint(page, address: str | None = "12 Lê Lợi") -> None:
    """Type a first-round land complaint into the open form (consent not yet ticked)."""
    page.get_by_label("Khiếu nại").check()
    page.get_by_label("Lĩnh vực").select_option("land")
    page.get_by_label("Tóm tắt nội dung (trích yếu)").fill("Thu hồi đất không đúng")
    page.get_by_label("Nội dung đơn").fill("Đề nghị xem xét lại quyết định thu hồi đất.")
    page.get_by_label("Họ và tên").fill("Trần Thị Bích Ngọc")
    page.get_by_label("Số điện thoại").fill("0912345678")
    if address:
        page.get_by_label("Địa chỉ liên hệ").fill(address)
