"""MAIL_FROM written with a display name and an accented domain ("Thanh tra tỉnh
<thanhtra@sở.vn>") is sent: the name is encoded in the header, the domain in its ASCII form.
Before, only a bare address was converted (QA round 71), and such a sender needed SMTPUTF8:
on a server without it, every e-mail of the outbox failed."""

from __future__ import annotations

from email import message_from_bytes

from complaints.domain.contacts import transport_address
from complaints.services import notifications
from tests.conftest import NOW
from tests.integration.test_qa65_fixes import ScriptedSMTP, _note, _queue


class RecordingSMTP(ScriptedSMTP):
    """The scripted server, keeping the envelope sender and the message as sent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.senders: list[str] = []
        self.messages: list[bytes] = []

    def mail(self, sender, options=()):
        self.senders.append(sender)
        return super().mail(sender, options)

    def data(self, msg):
        self.messages.append(msg)
        return super().data(msg)


def test_a_sender_with_a_display_name_and_an_accented_domain_is_sent(app):
    app.config["MAIL_FROM"] = "Thanh tra tỉnh <thanhtra@sở.vn>"
    _queue("dan@example.vn")
    smtp = RecordingSMTP({}, size_extension=True)  # no SMTPUTF8
    notifications.deliver_outbox(NOW, smtp)
    note = _note("dan@example.vn")
    assert note.status == "sent", (note.status, note.last_error)
    assert smtp.senders == ["thanhtra@xn--s-lym.vn"]
    sent = message_from_bytes(smtp.messages[0])
    assert sent["From"].isascii()  # the name as an RFC 2047 encoded word
    assert str(sent["From"]) != "" and "xn--s-lym.vn" in sent["From"]


def test_the_display_name_is_kept_and_only_the_address_converted():
    assert transport_address("Thanh tra tỉnh <thanhtra@sở.vn>") == (
        "Thanh tra tỉnh <thanhtra@xn--s-lym.vn>")
    assert transport_address('"Sở, Tư pháp" <a@b.vn>') == '"Sở, Tư pháp" <a@b.vn>'
    assert transport_address("an@tổchức.vn") == "an@xn--tchc-ly5a8e.vn"
    assert transport_address("not an address") == "not an address"
