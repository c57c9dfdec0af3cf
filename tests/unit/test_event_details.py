"""The case timeline shows each audit event's details in words, not as stored codes."""

from complaints.services.case_view import EVENT_LABELS, event_details


def test_received_event_in_both_languages():
    data = {"kind": "complaint", "channel": "walk_in", "received_on": "2026-10-08",
            "signers": 6, "parent": None, "status": "received"}
    assert event_details("received", data, "vi") == [
        ("Loại đơn", "Khiếu nại"), ("Kênh", "Trực tiếp"), ("Ngày nhận", "08/10/2026"),
        ("Số người đứng đơn", "6"), ("Hồ sơ lần đầu", "—")]
    assert event_details("received", data, "en")[0] == ("Kind", "Complaint")


def test_escalation_reason_stage_and_lists_in_words():
    shown = dict(event_details("escalated", '{"escalation": 99, "reason": "mass", '
                               '"stage": "resolution", "agencies": ["SO-XD", "SO-NV"], '
                               '"on_time": false}', "vi"))
    # The escalation's row id is no reader's business (QA read "Số kiến nghị: 99").
    assert "Số kiến nghị" not in shown and "99" not in shown.values()
    assert shown["Lý do"] == "Đông người" and shown["Giai đoạn"] == "Giải quyết"
    assert shown["Các cơ quan"] == "SO-XD, SO-NV" and shown["Đúng hạn"] == "không"
    # A routing's reason is the officer's own words, kept as written.
    assert dict(event_details("routed", {"reason": "mass"}, "vi"))["Lý do"] == "mass"
    # An unknown key still shows, under its own name.
    assert ("extra_key", "x") in event_details("routed", {"extra_key": "x"}, "vi")


def test_every_event_label_has_both_languages():
    assert all(len(pair) == 2 and all(pair) for pair in EVENT_LABELS.values())


def test_a_declared_complexity_names_the_case_types_and_dates():
    # Found by a QA pass: "due_from: 25/11/2026; Từ: normal; variant: very_complex".
    from complaints.services.case_view import event_details

    data = {"variant": "very_complex", "from": "normal", "due_from": "2026-11-25",
            "due_to": "2027-01-25"}
    assert event_details("complexity_declared", data) == [
        ("Trường hợp", "Đặc biệt phức tạp"), ("Từ", "Thông thường"),
        ("Hạn trước đó", "25/11/2026"), ("Hạn mới", "25/01/2027")]
    assert event_details("complexity_declared", data, "en")[0] == ("Case type", "Very complex")
