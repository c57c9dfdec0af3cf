"""The history of the matter a petition raises (reports.md, 02/XLD): first time or raised
before; for a complaint, whether it was already decided in round 1, round 2 or by a court;
for a denunciation, whether it is a follow-up denunciation (tố cáo tiếp), and whether
that follows a resolution gone overdue.

The desk states it from what the letter says (a matter decided before the system, or by a
court, is known only from the letter). Left blank, it is derived from what the system
holds: the case a later letter joins, or the first-round case a second complaint follows.
"""

from __future__ import annotations

from datetime import date

from complaints.domain.catalog import PETITION_HISTORY

FIRST = "first"
REPEATED = "repeated"
DECIDED_ROUND1 = "decided_round1"
DECIDED_ROUND2 = "decided_round2"
COURT = "court"
FOLLOW_UP = "follow_up"
FOLLOW_UP_OVERDUE = "follow_up_overdue"

HISTORY = PETITION_HISTORY  # codes → labels, in the catalog with the other vocabularies

# What a petition of each kind may state: a complaint decided in round 2 or by a court
# (Law on Complaints Art. 11 cl. 7, 9: not accepted again, but counted); a denunciation
# made again after its conclusion or an overdue resolution (tố cáo tiếp, Law on
# Denunciations 2018).
HISTORY_BY_KIND = {
    "complaint": (FIRST, REPEATED, DECIDED_ROUND1, DECIDED_ROUND2, COURT),
    "denunciation": (FIRST, REPEATED, FOLLOW_UP, FOLLOW_UP_OVERDUE),
    "recommendation": (FIRST, REPEATED),
    "feedback": (FIRST, REPEATED),
}
# 02/XLD's follow-up denunciations, and of them those after an overdue resolution.
FOLLOW_UPS = (FOLLOW_UP, FOLLOW_UP_OVERDUE)


def history_error(kind: str | None, complaint_round: int | None, history: str | None,
                  ) -> str | None:
    """Why `history` cannot be stated for a petition of this kind (None: it can)."""
    if history is None:
        return None
    if history not in HISTORY_BY_KIND.get(kind or "", ()):
        return "kind"
    if kind == "complaint" and complaint_round == 2 and history in (FIRST, REPEATED):
        return "second_round"  # a second complaint follows a first-round decision
    return None


def derive(kind: str, *, complaint_round: int | None = None, joined: bool = False,
           case_round: int | None = None, decided_on: date | None = None,
           due_on: date | None = None, received_on: date | None = None) -> str:
    """The history of a petition the desk left blank.

    A new case's letter is first time, or decided in round 1 for a second complaint. A
    later letter joined to a case (`joined`) repeats the matter; if the case had been
    decided by the letter's day (`decided_on`), a complaint was decided in the case's round
    and a denunciation is a follow-up; if the case's resolution was due before that day
    and not decided, a denunciation is a follow-up for the delay.
    """
    if not joined:
        return DECIDED_ROUND1 if kind == "complaint" and complaint_round == 2 else FIRST
    decided = decided_on is not None and (received_on is None or decided_on <= received_on)
    if kind == "complaint" and decided:
        return DECIDED_ROUND2 if case_round == 2 else DECIDED_ROUND1
    if kind == "denunciation":
        if decided:
            return FOLLOW_UP
        if due_on is not None and received_on is not None and due_on < received_on:
            return FOLLOW_UP_OVERDUE
    return REPEATED
