"""Sealed session values: unreadable without the secret key, refused when altered or old."""

from __future__ import annotations

import time

from complaints.web import sealed


def test_a_sealed_value_opens_only_unaltered_and_in_time(app):
    with app.test_request_context():
        token = sealed.seal({"code": "2026-ABCDEFGH", "pin": "123456"})
        assert "123456" not in token
        assert sealed.unseal(token) == {"code": "2026-ABCDEFGH", "pin": "123456"}
        altered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
        assert sealed.unseal(altered) is None
        assert sealed.unseal({"code": "x", "pin": "1"}) is None  # a plain value is refused
        assert sealed.unseal(None) is None
        later = time.time() + sealed.SEAL_MAX_AGE_SECONDS
        assert sealed.unseal(token, now=later - 5) is not None
        assert sealed.unseal(token, now=later + 5) is None  # expired


def test_another_secret_key_cannot_open_it(app):
    with app.test_request_context():
        token = sealed.seal(["x"])
        app.config["SECRET_KEY"] = "another key of the same length or not"
        assert sealed.unseal(token) is None


def test_a_secret_key_given_as_bytes_works_too(app):
    app.config["SECRET_KEY"] = b"\x00\x01 raw bytes from os.urandom"
    with app.test_request_context():
        assert sealed.unseal(sealed.seal({"pin": "654321"})) == {"pin": "654321"}
