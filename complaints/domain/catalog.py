"""Fixed vocabularies of the domain (codes stored in the database, with vi/en labels).

Fields of law (lĩnh vực) and agencies are data in tables; these lists are the legal
categories the statutes themselves fix, so they are code, each with its label pair.
"""

from __future__ import annotations

# Kinds of petition (loại đơn).
KINDS = {
    "complaint": ("Khiếu nại", "Complaint"),
    "denunciation": ("Tố cáo", "Denunciation"),
    "recommendation": ("Kiến nghị", "Recommendation"),
    "feedback": ("Phản ánh", "Feedback"),
}

CHANNELS = {
    "walk_in": ("Trực tiếp", "Walk-in"),
    "mail": ("Qua bưu điện", "Mail"),
    "hotline": ("Đường dây nóng", "Hotline"),
    "online": ("Trực tuyến", "Online"),
    "reception_session": ("Buổi tiếp công dân", "Citizen-reception session"),
    "forwarded": ("Cơ quan khác chuyển đến", "Forwarded by another body"),
}

ROLES = {
    "reception": ("Cán bộ tiếp nhận", "Reception officer"),
    "agency_head": ("Thủ trưởng cơ quan", "Agency head"),
    "agency_officer": ("Cán bộ xử lý", "Agency officer"),
    "inspector": ("Thanh tra", "Inspector"),
    "admin": ("Quản trị", "Administrator"),
}

# Report categories of the inspectorate's forms (reports.md); each field maps to one.
REPORT_CATEGORIES = {
    "admin_policy": ("Hành chính — chế độ chính sách", "Administrative — policies and benefits"),
    "admin_land": ("Hành chính — đất đai, nhà cửa", "Administrative — land and housing"),
    "admin_officials": ("Hành chính — công chức, công vụ", "Administrative — officials and duty"),
    "admin_other": ("Hành chính — lĩnh vực khác", "Administrative — other"),
    "corruption": ("Tham nhũng", "Corruption"),
    "justice": ("Tư pháp", "Justice"),
    "party": ("Đảng, đoàn thể", "Party and mass organisations"),
    "other": ("Khác", "Other"),
}

# Handling outcome of a received petition (kết quả xử lý đơn).
HANDLING_OUTCOMES = {
    "routed": ("Chuyển cơ quan có thẩm quyền", "Routed to the competent agency"),
    "forwarded": ("Chuyển cơ quan ngoài hệ thống", "Forwarded outside the system"),
    "guided": ("Hướng dẫn", "Guided"),
    "filed": ("Lưu đơn", "Filed"),
    "joined": ("Nhập vào vụ việc đã có (đơn trùng)", "Joined an existing case (duplicate)"),
    # A later letter on which the desk urged the agency resolving the case (services/urging).
    "urged": ("Đôn đốc cơ quan đang giải quyết", "The agency resolving it urged (đôn đốc)"),
    # Every petitioner withdrew before the desk decided: nothing is owed, but it was not
    # routed, guided, forwarded or filed either (02/XLD counts it on its own).
    "withdrawn": ("Rút đơn trước khi xử lý", "Withdrawn before handling"),
}

# Grounds for not accepting a case (không thụ lý), by kind: the law's list, cited in the
# form's hint, and "other" for what the list does not name (the written reason says it).
REFUSAL_GROUNDS_BY_KIND = {
    "complaint": {  # Law on Complaints 2011, Art. 11
        "c_internal": ("Quyết định, hành vi hành chính nội bộ, chỉ đạo điều hành, có chứa quy "
                       "phạm pháp luật hoặc thuộc bí mật nhà nước (khoản 1)",
                       "An internal, directing, normative or state-secret decision or act "
                       "(cl. 1)"),
        "c_not_concerned": ("Không liên quan trực tiếp đến quyền, lợi ích hợp pháp của người "
                            "khiếu nại (khoản 2)",
                            "Does not directly concern the complainant's lawful rights and "
                            "interests (cl. 2)"),
        "c_no_capacity": ("Người khiếu nại không có năng lực hành vi dân sự đầy đủ mà không có "
                          "người đại diện hợp pháp (khoản 3)",
                          "The complainant lacks full civil capacity and has no lawful "
                          "representative (cl. 3)"),
        "c_representative": ("Người đại diện không hợp pháp (khoản 4)",
                             "An unlawful representative (cl. 4)"),
        "c_unsigned": ("Đơn không có chữ ký hoặc điểm chỉ của người khiếu nại (khoản 5)",
                       "The petition is neither signed nor fingerprinted (cl. 5)"),
        "c_time_barred": ("Hết thời hiệu, thời hạn khiếu nại mà không có lý do chính đáng "
                          "(khoản 6)", "Time-barred without a legitimate reason (cl. 6)"),
        "c_second_decided": ("Đã có quyết định giải quyết khiếu nại lần hai (khoản 7)",
                             "A second-round decision already exists (cl. 7)"),
        "c_abandoned": ("Đã có thông báo đình chỉ mà sau 30 ngày người khiếu nại không tiếp tục "
                        "khiếu nại (khoản 8)",
                        "Suspended, and not pursued within 30 days of the notice (cl. 8)"),
        "c_court": ("Tòa án đã thụ lý hoặc đã giải quyết bằng bản án, quyết định (khoản 9)",
                    "Accepted or decided by a court (cl. 9)"),
    },
    "denunciation": {  # Law on Denunciations 2018, Art. 29(1): a condition not met
        "d_form": ("Tố cáo không được thực hiện đúng hình thức, thủ tục luật định (điểm a)",
                   "Not made in the form and manner the law requires (point a)"),
        "d_capacity": ("Người tố cáo không có đủ năng lực hành vi dân sự và không có người đại "
                       "diện (điểm b)",
                       "The denouncer lacks civil capacity and has no representative "
                       "(point b)"),
        "d_competence": ("Vụ việc không thuộc thẩm quyền giải quyết (điểm c)",
                         "Not within the competence of the agency (point c)"),
        "d_no_basis": ("Nội dung tố cáo không có cơ sở để xác minh (điểm d)",
                       "Nothing in the denunciation can be verified (point d)"),
    },
}
REFUSAL_OTHER = "other"
REFUSAL_GROUND_SOURCES = {
    "complaint": ("Luật Khiếu nại 2011, Điều 11", "Law on Complaints 2011, Art. 11"),
    "denunciation": ("Luật Tố cáo 2018, Điều 29 khoản 1", "Law on Denunciations 2018, "
                                                         "Art. 29(1)"),
}
REFUSAL_GROUNDS = {
    **{code: pair for grounds in REFUSAL_GROUNDS_BY_KIND.values()
       for code, pair in grounds.items()},
    REFUSAL_OTHER: ("Lý do khác (nêu ở phần lý do)", "Another reason (given below)"),
}


def refusal_grounds(kind: str) -> list[str]:
    """The grounds an agency may cite to refuse a case of `kind`, "other" last."""
    return [*REFUSAL_GROUNDS_BY_KIND.get(kind, {}), REFUSAL_OTHER]


# Reasons to file a petition away (lưu đơn).
FILING_REASONS = {
    "anonymous": ("Đơn nặc danh, mạo danh", "Anonymous or false identity"),
    "duplicate": ("Đơn trùng", "Duplicate (đơn trùng)"),  # ux.md: the legal term beside
    "illegible": ("Không rõ nội dung", "Illegible or unclear"),
    "time_barred": ("Hết thời hiệu", "Time-barred"),
    "final": ("Đã giải quyết cuối cùng, không có tình tiết mới", "Finally resolved, no new facts"),
    "not_eligible": ("Không đủ điều kiện xử lý", "Not eligible for handling"),
}

# Filing reasons that say the petition was not eligible for handling (đủ điều kiện xử lý:
# named, clear, not a duplicate). Filing for one of them makes the petition ineligible
# from that day: what the desk ticked at intake is kept, so that a period closed before the
# filing still reports it as it stood then.
INELIGIBLE_FILINGS = frozenset({"anonymous", "duplicate", "not_eligible", "illegible"})

# Outcomes of resolution counted by the official forms (reports.md).
RESOLUTION_OUTCOMES = {
    "right": ("Khiếu nại đúng", "Complaint right"),
    "wrong": ("Khiếu nại sai", "Complaint wrong"),
    "partly_right": ("Khiếu nại đúng một phần", "Complaint partly right"),
    "upheld": ("Công nhận quyết định lần đầu", "First decision upheld"),
    "annulled": ("Hủy, sửa quyết định lần đầu", "First decision annulled or amended"),
    "withdrawn_after_explanation": ("Rút đơn sau giải thích", "Withdrawn after explanation"),
    "denunciation_right": ("Tố cáo đúng", "Denunciation right"),
    "denunciation_wrong": ("Tố cáo sai", "Denunciation wrong"),
    "denunciation_partly_right": ("Tố cáo đúng một phần", "Denunciation partly right"),
    "answered": ("Đã trả lời", "Answered"),
}
OUTCOMES_BY_KIND = {
    ("complaint", 1): ("right", "wrong", "partly_right", "withdrawn_after_explanation"),
    ("complaint", 2): ("upheld", "annulled", "withdrawn_after_explanation"),
    ("denunciation", None): (
        "denunciation_right",
        "denunciation_wrong",
        "denunciation_partly_right",
    ),
    ("recommendation", None): ("answered",),
    ("feedback", None): ("answered",),
}

# Deadline stages (domain.md): classify and route; accept or return; resolve.
STAGES = ("handling", "acceptance", "resolution")

# Levels of an agency (agencies.level): what the scorecard's leader-reception duty and the
# reports read (scoring.RECEPTION_FREQUENCY). Codes are data; an unknown one scores nothing.
AGENCY_LEVELS = {
    "province": ("Cấp tỉnh (UBND tỉnh, thành phố)", "Province (People's Committee)"),
    "department": ("Sở, ban, ngành", "Department, board or sector agency"),
    "commune": ("Cấp xã (UBND xã, phường, đặc khu)", "Commune (People's Committee)"),
    "inspectorate": ("Thanh tra", "Inspectorate"),
    "other": ("Cơ quan khác", "Other agency"),
}

FLAGS = ("overdue", "evaded", "repeated", "mass")

ESCALATION_REASONS = {
    "reminder": ("Nhắc hạn", "Reminder"),
    "overdue": ("Quá hạn", "Overdue"),
    "urged": ("Đôn đốc", "Urged"),
    "inspection": ("Chuyển thanh tra", "Sent to inspection"),
    "evaded": ("Đùn đẩy, né tránh", "Evaded"),
    "repeated": ("Kéo dài, nhiều lần", "Repeated"),
    "mass": ("Đông người", "Mass petition"),
}

# Who each rung of the ladder tells (domain.md, "Escalation ladder"), by level.
LADDER_AUDIENCES = {
    0: ("nhắc cán bộ được giao và thủ trưởng cơ quan",
        "reminds the officer and the agency head"),
    1: ("báo thủ trưởng cơ quan; hồ sơ bị đánh dấu quá hạn",
        "tells the agency head; the case is marked overdue"),
    2: ("báo thủ trưởng cơ quan cấp trên (đôn đốc)",
        "tells the head of the supervising agency (urging)"),
    3: ("chuyển thanh tra và báo lãnh đạo tỉnh",
        "goes to the inspectorate and the provincial leadership"),
}

RECEPTION_KINDS = {
    "regular": ("Tiếp thường xuyên", "Regular reception"),
    "head": ("Thủ trưởng tiếp trực tiếp", "By the head in person"),
    "deputy": ("Người được ủy quyền tiếp", "By an authorised deputy"),
}


# The history of the matter a letter raises (domain.history; 02/XLD).
PETITION_HISTORY = {
    "first": ("Gửi lần đầu", "First time"),
    "repeated": ("Gửi nhiều lần, chưa được giải quyết", "Sent before, not yet decided"),
    "decided_round1": ("Đã được giải quyết lần đầu", "Already decided in round 1"),
    "decided_round2": ("Đã được giải quyết lần hai", "Already decided in round 2"),
    "court": ("Đã có bản án, quyết định của Tòa án", "Already decided by a court judgment"),
    "follow_up": ("Tố cáo tiếp (đã có kết luận)",
                  "Follow-up denunciation (after a conclusion)"),
    "follow_up_overdue": ("Tố cáo tiếp do quá hạn chưa giải quyết",
                          "Follow-up denunciation (resolution overdue)"),
}


def label(table: dict[str, tuple[str, str]], code: str | None, lang: str = "vi") -> str:
    """Return the label of a code in the given language, or the code when unknown."""
    if code is None:
        return ""
    pair = table.get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]


# The cases a deadline policy distinguishes (domain/policies.VARIANTS), as people name them.
POLICY_VARIANTS = {
    "normal": ("Thông thường", "Normal"), "complex": ("Phức tạp", "Complex"),
    "remote": ("Vùng sâu, vùng xa", "Remote area"),
    "remote_complex": ("Vùng sâu, vùng xa và phức tạp", "Remote area, complex"),
    "very_complex": ("Đặc biệt phức tạp", "Very complex"),
    "reception_session": ("Trả lời sau buổi tiếp công dân", "After a reception session"),
}
