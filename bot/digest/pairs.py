"""Before/after shifts for pre/post poll pairs (same `pair_key`), from counts and voter-key matching.

Anonymous pairs share one voter key per person across the pair, so equal keys mean "the same person"
without saying who. Only counts leave this module. Options are matched across the pair by label.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from bot.digest.model import OptionShift, PairShift, PollSection, Transition
from storage.digest import OptionRow, VoteRow

Choices = dict[str, frozenset[str]]  # voter key -> labels chosen


def pair_shifts(
    polls: Sequence[PollSection],
    poll_ids: Sequence[int],
    options: Iterable[OptionRow],
    votes: Iterable[VoteRow],
) -> tuple[PairShift, ...]:
    """One shift per pair_key that has both a pre and a post poll, in the order of the pre polls.

    A pair with a poll whose results are withheld from this digest's audience is left out.
    """
    pre: dict[str, tuple[PollSection, int]] = {}
    post: dict[str, tuple[PollSection, int]] = {}
    for poll, poll_id in zip(polls, poll_ids, strict=True):
        if poll.pair_key and poll.phase in ("pre", "post"):
            (pre if poll.phase == "pre" else post).setdefault(poll.pair_key, (poll, poll_id))
    paired = {
        key: (pre[key], post[key])
        for key in pre
        if key in post and not (pre[key][0].results_withheld or post[key][0].results_withheld)
    }
    wanted = {poll_id for (_, a), (_, b) in paired.values() for poll_id in (a, b)}
    label_of = {option.id: option.label for option in options if option.poll_id in wanted}
    chosen: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for vote in votes:
        if vote.poll_id in wanted:
            chosen[vote.poll_id][vote.voter_key].add(label_of.get(vote.option_id, ""))
    return tuple(
        _shift(key, before, after, _freeze(chosen[before_id]), _freeze(chosen[after_id]))
        for key, ((before, before_id), (after, after_id)) in paired.items()
    )


def _freeze(choices: dict[str, set[str]]) -> Choices:
    return {voter: frozenset(labels) for voter, labels in choices.items()}


def _shift(key: str, before: PollSection, after: PollSection, pre: Choices, post: Choices) -> PairShift:
    labels = [option.label for option in before.options]
    labels += [option.label for option in after.options if option.label not in labels]
    pre_result = {option.label: option for option in before.options}
    post_result = {option.label: option for option in after.options}
    shifts = []
    for label in labels:
        a, b = pre_result.get(label), post_result.get(label)
        pre_percent, post_percent = (a.percent if a else 0.0), (b.percent if b else 0.0)
        shifts.append(
            OptionShift(
                label=label,
                pre_votes=a.votes if a else 0,
                post_votes=b.votes if b else 0,
                pre_percent=pre_percent,
                post_percent=post_percent,
                change_points=round(post_percent - pre_percent, 1),
            )
        )
    both = sorted(pre.keys() & post.keys())
    changed = sum(1 for voter in both if pre[voter] != post[voter])
    transitions: tuple[Transition, ...] = ()
    if before.kind != "multiple" and after.kind != "multiple":
        order = {label: index for index, label in enumerate(labels)}
        cells = Counter(
            (min(pre[voter], key=order.__getitem__), min(post[voter], key=order.__getitem__))
            for voter in both
        )
        transitions = tuple(
            Transition(from_label=a, to_label=b, count=cells[(a, b)])
            for a, b in sorted(cells, key=lambda cell: (order[cell[0]], order[cell[1]]))
        )
    return PairShift(
        pair_key=key,
        question=before.question,
        pre_poll=before.number,
        post_poll=after.number,
        options=tuple(shifts),
        both=len(both),
        changed=changed,
        transitions=transitions,
    )
