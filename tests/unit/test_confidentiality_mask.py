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
