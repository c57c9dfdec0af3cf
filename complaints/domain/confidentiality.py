"""What a denouncer's identity is, and how it is hidden (Law on Denunciations Art. 8, 56).

One definition for the pages, the API and exports alike.
"""

from __future__ import annotations

from complaints.domain.messages import N_

# Stored and compared in Vietnamese; pages and the API translate it when they show it.
MASK = N_("*** (bảo mật)")
# Keys of audit data that could reveal a denouncer: masked in timelines when hidden
# (intake events hold only counts today, but later events might carry more).
IDENTITY_KEYS = frozenset(
    {"full_name", "name", "names", "id_number", "phone", "email", "address", "petitioner",
     "petitioners", "signer", "signers_names", "filename",
     # A scan's checksum: whoever holds a copy of the letter could confirm it is this
     # case's (QA round 10).
     "sha256",
     # What an administrator typed to open a petitioner's data (a request that may name
     # them), recorded with the identity view on each denunciation they signed.
     "ground"}
)


def mask_data(value, mask: str = MASK):
    """Return a copy of nested dicts/lists with every identity key's value masked."""
    if isinstance(value, dict):
        return {k: (mask if k in IDENTITY_KEYS and v is not None else mask_data(v, mask))
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_data(v, mask) for v in value]
    return value
