"""Sector labels and per-sector poll results, never for a group smaller than the workshop's minimum.

Sectors come from the invitee list. A sector with fewer invitees than the minimum is folded into
`OTHER_SECTOR`, which is itself left unlabelled when it is still too small; invitees without a sector
and people who were not invited are never labelled.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from bot.digest.model import OTHER_SECTOR, OptionResult, SectorResult
from storage.digest import InviteeRow, OptionRow, VoteRow


def sector_labels(invitees: Iterable[InviteeRow], min_group: int) -> dict[str, str]:
    """User id -> the sector label that may be shown for them; users missing from the map get none."""
    minimum = max(min_group, 1)
    sector_of = {
        row.user_id: " ".join(row.sector.split()) for row in invitees if row.sector and row.sector.strip()
    }
    sizes = Counter(sector_of.values())
    label = {
        name: name if size >= minimum and name.casefold() != OTHER_SECTOR else OTHER_SECTOR
        for name, size in sizes.items()
    }
    other = sum(size for name, size in sizes.items() if label[name] == OTHER_SECTOR)
    return {
        user: label[name]
        for user, name in sector_of.items()
        if label[name] != OTHER_SECTOR or other >= minimum
    }


def sector_results(
    options: Sequence[OptionRow], votes: Iterable[VoteRow], labels: Mapping[str, str], min_group: int
) -> tuple[SectorResult, ...]:
    """Per-sector counts of an attributed poll's votes, sectors by name with "other" last.

    Left out entirely when the voters outside the labelled sectors are fewer than the minimum group:
    the poll's totals minus the per-sector counts would otherwise show how those few people voted.
    """
    chosen: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    unlabelled: set[str] = set()
    for vote in votes:
        voter = vote.user_id or vote.voter_key
        if sector := labels.get(voter):
            chosen[sector][voter].add(vote.option_id)
        else:
            unlabelled.add(voter)
    if 0 < len(unlabelled) < max(min_group, 1):
        return ()
    results = []
    for sector in sorted(chosen, key=lambda name: (name == OTHER_SECTOR, name)):
        voters = chosen[sector]
        counts = Counter(option for picks in voters.values() for option in picks)
        results.append(
            SectorResult(
                sector=sector,
                voters=len(voters),
                options=tuple(
                    OptionResult(
                        position=index + 1,
                        label=option.label,
                        votes=counts[option.id],
                        percent=round(100 * counts[option.id] / len(voters), 1),
                    )
                    for index, option in enumerate(options)
                ),
            )
        )
    return tuple(results)
