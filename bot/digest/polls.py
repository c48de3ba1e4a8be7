"""Poll sections: counts, shares of voters, scale means, reasons, per-sector results and voter names only where allowed."""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.digest.model import OptionResult, PollSection, SectorResult
from bot.digest.reasons import poll_reasons
from bot.digest.sectors import sector_results
from storage.digest import UNPOSTED_POLL_STATES, OptionRow, PollRow, ReasonRow, VoteRow


@dataclass(frozen=True, slots=True)
class Disclosure:
    """What the workshop and the digest's audience allow the poll sections to show."""

    unattributed: bool  # name nobody: the Chatham House Rule, or a digest for the channel
    display_names: Mapping[str, str]
    mention: Callable[[str, str], str]
    sectors: Mapping[str, str] | None  # user id -> sector label; None when sector tagging is off
    min_group: int
    withheld: frozenset[int] = frozenset()  # poll ids whose results this audience may not see


def poll_sections(
    rows: Sequence[PollRow],
    options: Iterable[OptionRow],
    votes: Iterable[VoteRow],
    reasons: Iterable[ReasonRow],
    disclosure: Disclosure,
) -> tuple[tuple[PollSection, ...], tuple[int, ...]]:
    """Poll sections plus, index for index, the poll ids they came from (for pairing)."""
    options_by_poll: dict[int, list[OptionRow]] = defaultdict(list)
    for option in options:
        options_by_poll[option.poll_id].append(option)
    votes_by_poll: dict[int, list[VoteRow]] = defaultdict(list)
    for vote in votes:
        votes_by_poll[vote.poll_id].append(vote)
    reasons_by_poll: dict[int, list[ReasonRow]] = defaultdict(list)
    for reason in reasons:
        reasons_by_poll[reason.poll_id].append(reason)
    sections: list[PollSection] = []
    ids: list[int] = []
    for row in rows:
        poll_votes = votes_by_poll.get(row.id, [])
        if not poll_votes and row.state in UNPOSTED_POLL_STATES:
            continue
        withheld = row.id in disclosure.withheld  # its votes were never loaded for this audience
        poll_options = options_by_poll[row.id]
        named = not disclosure.unattributed and not row.anonymous
        section = _poll(row, len(sections) + 1, poll_options, poll_votes, named, disclosure.display_names)
        by_sector: tuple[SectorResult, ...] = ()
        # Anonymous voter keys cannot be linked to a sector; withheld results have no votes to break down.
        if disclosure.sectors is not None and not row.anonymous and not withheld:
            by_sector = sector_results(poll_options, poll_votes, disclosure.sectors, disclosure.min_group)
        reason_items = poll_reasons(
            reasons_by_poll.get(row.id, []),
            poll_options,
            poll_votes,
            attribute=named,
            display_names=disclosure.display_names,
        )
        sections.append(
            replace(section, reasons=reason_items, by_sector=by_sector, results_withheld=withheld)
        )
        ids.append(row.id)
    return tuple(sections), tuple(ids)


def _poll(
    row: PollRow,
    number: int,
    options: Sequence[OptionRow],
    votes: Sequence[VoteRow],
    list_voters: bool,
    display_names: Mapping[str, str],
) -> PollSection:
    counts = Counter(vote.option_id for vote in votes)
    total_voters = len({vote.voter_key for vote in votes})
    names: dict[int, list[str]] = defaultdict(list)
    if list_voters:
        for vote in votes:
            user_id = vote.user_id or vote.voter_key
            names[vote.option_id].append(display_names.get(user_id) or user_id)
    results = tuple(
        OptionResult(
            position=index + 1,
            label=option.label,
            votes=counts[option.id],
            percent=round(100 * counts[option.id] / total_voters, 1) if total_voters else 0.0,
            voters=tuple(sorted(names[option.id])),
        )
        for index, option in enumerate(options)
    )
    mean = None
    if row.kind == "scale" and votes:
        mean = round(sum(result.position * result.votes for result in results) / len(votes), 2)
    return PollSection(
        number=number,
        question=row.question,
        kind=row.kind,
        anonymous=row.anonymous,
        phase=row.phase,
        pair_key=row.pair_key,
        state=row.state,
        total_voters=total_voters,
        total_votes=len(votes),
        options=results,
        mean=mean,
    )
