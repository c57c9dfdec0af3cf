"""Default fields of law (lĩnh vực), each mapped to a report category of the official forms.

Seeded into the `fields` table; administrators may add, rename or stop fields later.
"""

from __future__ import annotations

from complaints.domain.messages import N_

# A field the administrator stopped is not offered for new petitions; its cases keep it.
FIELD_STOPPED = N_("Lĩnh vực này đã ngừng sử dụng cho đơn mới: chọn lĩnh vực khác.")

# code: (Vietnamese, English, report category)
DEFAULT_FIELDS: dict[str, tuple[str, str, str]] = {
    "land": ("Đất đai", "Land", "admin_land"),
    "compensation": (
        "Bồi thường, giải phóng mặt bằng",
        "Compensation and site clearance",
        "admin_land",
    ),
    "environment": ("Môi trường", "Environment", "admin_other"),
    "construction": ("Xây dựng", "Construction", "admin_land"),
    "social_policy": ("Chế độ chính sách xã hội", "Social policy", "admin_policy"),
    "corruption": ("Tham nhũng, tiêu cực", "Corruption and misconduct", "corruption"),
    "admin_procedure": ("Thủ tục hành chính", "Administrative procedures", "admin_other"),
    "officials_conduct": (
        "Thái độ, trách nhiệm cán bộ",
        "Officials' conduct",
        "admin_officials",
    ),
    "justice": ("Tư pháp", "Justice", "justice"),
    "other": ("Lĩnh vực khác", "Other", "other"),
}
