"""Poll reasons: each voter's one-line "why", placed under the option they chose, named only where allowed.

Reasons are joined to votes by voter key inside this module; the key itself never leaves it. A reason is
plain text from a modal input (not Slack markup), so it is reported exactly as written.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from bot.digest.model import Reason
from storage.digest import OptionRow, ReasonRow, VoteRow


def poll_reasons(
    rows: Iterable[ReasonRow],
    options: Sequence[OptionRow],
    votes: Iterable[VoteRow],
    *,
    attribute: bool,
    display_names: Mapping[str, str],
) -> tuple[Reason, ...]:
    """One poll's reasons: by option position, then "chose several", then no vote on record; oldest first.

    `rows` come oldest first; `attribute` is true only for attributed polls outside Chatham House.
    """
    position = {option.id: index for index, option in enumerate(options)}
    label = {option.id: option.label for option in options}
    chosen: dict[str, set[int]] = defaultdict(set)
    for vote in votes:
        chosen[vote.voter_key].add(vote.option_id)
    grouped: list[tuple[int, Reason]] = []
    for row in rows:
        text = row.text.strip()
        if not text:
            continue
        picks = chosen.get(row.voter_key, set())
        user = row.user_id or row.voter_key
        author = (display_names.get(user) or user) if attribute else None
        if len(picks) == 1:
            (option,) = picks
            group, reason = (
                position.get(option, len(options) + 1),
                Reason(text, label.get(option), author=author),
            )
        elif picks:
            group, reason = len(options), Reason(text, None, several=True, author=author)
        else:
            group, reason = len(options) + 1, Reason(text, None, author=author)
        grouped.append((group, reason))
    grouped.sort(key=lambda pair: pair[0])  # stable: oldest first within each group
    return tuple(reason for _, reason in grouped)
