"""The history of the matter a petition raises (reports.md, 02/XLD): first time or raised
before; for a complaint, whether it was already decided in round 1, round 2 or by a court;
for a denunciation, whether it is a follow-up denunciation (tố cáo tiếp), and whether
that follows a resolution gone overdue.

The desk states it from what the letter says (a matter decided before the system, or by a
court, is known only from the letter). Left blank, it is derived from what the system
holds: the case a later letter joins, or the first-round case a second complaint follows.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Earlier:
    """The case the system already holds on the matter: the one a later letter joins, or
    the earlier case a new one is linked to (parent), as it stands now."""
    kind: str
    complaint_round: int | None = None
    decided_on: date | None = None  # its decision or conclusion (None: not decided)
    due_on: date | None = None  # its resolution's due day while its clock runs, if unmet
    first_history: str = FIRST  # what its first letter said of the matter before it


def history_error(kind: str | None, complaint_round: int | None, history: str | None,
                  ) -> str | None:
    """Why `history` cannot be stated for a petition of this kind (None: it can)."""
    if history is None:
        return None
    if history not in HISTORY_BY_KIND.get(kind or "", ()):
        return "kind"
    if kind == "complaint" and complaint_round == 2 and history == FIRST:
        # A second complaint follows a first round: decided, or left overdue (repeated).
        return "second_round"
    return None


def derive(kind: str, received_on: date, *, complaint_round: int | None = None,
           earlier: Earlier | None = None) -> str:
    """The history of a petition the desk left blank.

    With nothing earlier in the system, a letter is first time, or decided in round 1 for a
    second complaint (the first round happened outside the system). About a matter the
    system holds (`earlier`): if that case was decided by the letter's day, a complaint was
    decided in its round and a denunciation is a follow-up; else a denunciation whose
    resolution was due before that day is a follow-up for the delay; else the letter says
    what the case's first letter said of the matter, or that it was sent before.
    """
    if earlier is None:
        return DECIDED_ROUND1 if kind == "complaint" and complaint_round == 2 else FIRST
    if earlier.decided_on is not None and earlier.decided_on <= received_on:
        if kind == "complaint" and earlier.kind == "complaint":
            return DECIDED_ROUND2 if earlier.complaint_round == 2 else DECIDED_ROUND1
        if kind == "denunciation":
            return FOLLOW_UP
    elif (kind == "denunciation" and earlier.due_on is not None
          and earlier.due_on < received_on):
        return FOLLOW_UP_OVERDUE
    inherited = earlier.first_history
    if inherited != FIRST and inherited in HISTORY_BY_KIND.get(kind, ()):
        return inherited
    return REPEATED
