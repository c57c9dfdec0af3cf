"""The inspector's case page, read side: the petitions one by one and the repeat chain.

The page shows what the agency's case page shows (case_view.build_case_page: petitioners
masked as permissions.can_see_identity decides, files that may reveal a denouncer held
back, the timeline) and, beside it, each petition received on the case and the chain of
repeated petitions (kéo dài, nhiều lần) with what made the Repeated flag: the flag's own
test, escalation_patterns.repeat_basis, so the page and the flag cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from complaints.domain import escalation as rules
from complaints.domain.confidentiality import MASK
from complaints.models import Case, User
from complaints.permissions import can_see_link
from complaints.services.escalation_patterns import repeat_basis
from complaints.services.inspection import repeated_chain


@dataclass
class SignerView:
    """A signer of one petition; the name is MASK when the reader may not see it."""

    full_name: str
    is_representative: bool
    withdrawn_on: date | None


@dataclass
class PetitionView:
    """One received petition (đơn) of the case, numbered from 1 in the order received."""

    number: int
    received_on: date
    channel: str
    is_duplicate: bool
    signers: list[SignerView]
    history: str = "first"  # domain.history: as the desk stated or the system derived
    counted: bool = False  # one of the petitions the Repeated flag rests on


@dataclass
class RepeatChain:
    """The chain of repeated petitions: the case's own petitions and the linked cases."""

    petitions: list[PetitionView]
    cases: list[Case]  # earlier cases it repeats (the first first), itself, later ones
    flagged: bool = False  # the case carries the Repeated flag
    rule: str | None = None  # why the case is flagged Repeated (rules.REPEAT_*)
    decided_on: date | None = None  # the decision the petitioners came back after
    # The decided earlier case (rules.REPEAT_AFTER_PARENT), if the reader may see the link.
    parent: Case | None = None
    threshold: int = 0  # rules.REPEAT_MANY, REPEAT_LINKED: this many petitions …
    window_months: int = 0  # … within this many calendar months make a repeat
    # rules.REPEAT_LINKED: the matter's letters in the window, linked cases' included,
    # and the days of the first and the last.
    letters: int = 0
    first_on: date | None = None
    last_on: date | None = None
    counted: list[PetitionView] = field(default_factory=list)  # those the flag rests on

    @property
    def span_days(self) -> int:
        """Days from the first to the last petition the flag rests on."""
        if not self.counted:
            return 0
        return (self.counted[-1].received_on - self.counted[0].received_on).days

    @property
    def empty(self) -> bool:
        """Nothing repeats: one petition, no linked case, no flag."""
        return len(self.petitions) < 2 and len(self.cases) < 2 and not self.flagged


def petitions(case: Case, masked: bool) -> list[PetitionView]:
    """The case's petitions in the order received, signers masked when `masked`."""
    ordered = sorted(case.petitions, key=lambda p: (p.received_on, p.id))
    return [PetitionView(
        number=number, received_on=p.received_on, channel=p.channel,
        is_duplicate=bool(p.is_duplicate), history=p.history,
        signers=[SignerView(MASK if masked else s.petitioner.full_name, s.is_representative,
                            s.withdrawn_on) for s in p.signers])
        for number, p in enumerate(ordered, start=1)]


def linked_cases(case: Case, reader: User) -> list[Case]:
    """The cases linked with this one (inspection.repeated_chain) that the reader may see
    linked (permissions.can_see_link): the earlier ones up to the first hidden, the case,
    the later ones shown. A link beside a denunciation would say who signed it."""
    cases = repeated_chain(case)
    at = next(i for i, c in enumerate(cases) if c.id == case.id)
    earlier = []
    for c in reversed(cases[:at]):  # the parent first
        if not can_see_link(reader, case, c):
            break
        earlier.append(c)
    later = [c for c in cases[at + 1:] if can_see_link(reader, case, c)]
    return [*reversed(earlier), case, *later]


def repeat_chain(case: Case, views: list[PetitionView], reader: User) -> RepeatChain:
    """The repeat chain of a case as `reader` may see it: its petitions (`views`, from
    `petitions`), the cases it repeats or that repeat it (`linked_cases`), and, for a case
    flagged Repeated, the rule that flagged it and the petitions that met it."""
    chain = RepeatChain(petitions=views, cases=linked_cases(case, reader),
                        flagged=bool(case.flag_repeated))
    if not chain.flagged:
        return chain
    basis = repeat_basis(case)
    if basis is None or not basis.petitions:
        return chain  # flagged under thresholds no longer in force: the petitions still show
    ordered = sorted(case.petitions, key=lambda p: (p.received_on, p.id))
    number = {p.id: i for i, p in enumerate(ordered)}
    chain.counted = sorted((views[number[case.petitions[i].id]] for i in basis.petitions),
                           key=lambda view: view.number)
    for view in chain.counted:
        view.counted = True
    chain.rule = basis.rule
    if basis.rule == rules.REPEAT_AFTER_DECISION:
        chain.decided_on = case.decision_on
    elif basis.rule == rules.REPEAT_AFTER_PARENT:
        if can_see_link(reader, case, case.parent_case):  # else said without naming it
            chain.parent, chain.decided_on = case.parent_case, case.parent_case.decision_on
    else:
        chain.threshold, chain.window_months = basis.threshold, basis.window_months
        chain.letters, chain.first_on, chain.last_on = (basis.letters, basis.first_on,
                                                        basis.last_on)
    return chain
