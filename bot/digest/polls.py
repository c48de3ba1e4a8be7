"""Poll sections: counts, shares of voters, scale means, and voter names only where allowed."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from bot.digest.model import OptionResult, PollSection
from storage.digest import UNPOSTED_POLL_STATES, OptionRow, PollRow, VoteRow


def poll_sections(
    rows: Sequence[PollRow],
    options: Iterable[OptionRow],
    votes: Iterable[VoteRow],
    chatham: bool,
    display_names: Mapping[str, str],
) -> tuple[tuple[PollSection, ...], tuple[int, ...]]:
    """Poll sections plus, index for index, the poll ids they came from (for pairing)."""
    options_by_poll: dict[int, list[OptionRow]] = defaultdict(list)
    for option in options:
        options_by_poll[option.poll_id].append(option)
    votes_by_poll: dict[int, list[VoteRow]] = defaultdict(list)
    for vote in votes:
        votes_by_poll[vote.poll_id].append(vote)
    sections: list[PollSection] = []
    ids: list[int] = []
    for row in rows:
        poll_votes = votes_by_poll.get(row.id, [])
        if not poll_votes and row.state in UNPOSTED_POLL_STATES:
            continue
        list_voters = not chatham and not row.anonymous
        sections.append(
            _poll(row, len(sections) + 1, options_by_poll[row.id], poll_votes, list_voters, display_names)
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
