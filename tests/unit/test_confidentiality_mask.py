"""What a masked reader sees of an audit event's data (domain/confidentiality.py)."""

from complaints.domain.confidentiality import MASK, mask_data


def test_a_scans_checksum_is_masked_with_its_name():
    """QA round 10: the timeline of a denunciation showed masked readers the SHA-256 of
    the denouncer's scanned letter, which a copy of the letter confirms."""
    data = {"attachment": 7, "sha256": "ab" * 32, "filename": "don.pdf", "size": 10,
            "purpose": "petition"}
    assert mask_data(data) == {"attachment": 7, "sha256": MASK, "filename": MASK,
                               "size": 10, "purpose": "petition"}


def test_nested_names_are_masked_and_figures_kept():
    data = {"petitioners": [{"name": "A"}], "signers": 2, "on": "2026-11-30"}
    assert mask_data(data) == {"petitioners": MASK, "signers": 2, "on": "2026-11-30"}


def test_a_subject_naming_its_denouncer_is_told_apart():
    from types import SimpleNamespace

    from complaints.domain.confidentiality import names_denouncer

    people = [SimpleNamespace(full_name="Nguyễn Văn An", id_number="031200000001",
                              phone="0912 345 678", email="An.Nguyen@example.vn"),
              SimpleNamespace(full_name="Lê Thị Bích", id_number=None, phone=None, email=None)]
    named = ["Tôi là NGUYEN VAN AN, tố cáo cán bộ xã", "Đơn của bà Lê Thị Bích",
             "Tố cáo — liên hệ 0912.345.678", "CCCD 031-200-000-001 tố cáo",
             "trả lời qua an.nguyen@example.vn"]
    for subject in named:
        assert names_denouncer(subject, people), subject
    innocent = ["Tố cáo cán bộ địa chính nhận tiền", "Nguyễn Văn Anh nhận hối lộ",
                "Thửa số 12, tờ bản đồ 345 năm 2026", "", None]
    for subject in innocent:
        assert not names_denouncer(subject, people), subject
    # A one-word name (or none) is too common to refuse a subject on.
    assert not names_denouncer("An tố cáo", [SimpleNamespace(full_name="An")])
    assert not names_denouncer("Tố cáo", [SimpleNamespace(full_name=None)])


def test_a_name_is_read_as_spelt_wherever_its_tone_sits_and_with_or_without_accents():
    """QA rounds 69 and 71: accents may be missing on either side, and the tone of "oa",
    "uy" sits on either vowel; a name accented otherwise is someone else's."""
    from types import SimpleNamespace

    from complaints.domain.confidentiality import names_denouncer
    from complaints.domain.text import same_spelling

    assert same_spelling("Thủy", "THUỶ") and same_spelling("Hòa", "Hoà")
    assert same_spelling("Ðức", "Đức")  # an old encoding's eth for "Đ"
    assert not same_spelling("Hùng", "Hưng") and not same_spelling("Tuấn", "Tuần")

    def named(text, name):
        return names_denouncer(text, [SimpleNamespace(full_name=name)])

    assert named("ông Nguyễn Văn Hưng", "Nguyen Van Hung")
    assert named("ông NGUYEN VAN HUNG", "Nguyễn Văn Hưng")
    assert named("bà Lê Thị Thuỷ", "Lê Thị Thủy")
    assert not named("ông Nguyễn Văn Hùng", "Nguyễn Văn Hưng")
