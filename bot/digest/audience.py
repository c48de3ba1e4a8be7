"""Who a digest is for, and the one rule for what the channel may see.

Organisers (the DM and the command line) get everything the workshop's own rules allow. The channel (and
a thread in it) gets the public record only: no private answers, no voters' reasons, no results, voter
counts or voters of polls still open with hidden results, and nothing attributed (no names, not even in
an attributed workshop). The compiler applies this rule once, to the loaded rows and to what it may
disclose, so every number and every renderer of a channel digest sees only what the channel may.
"""

from collections.abc import Iterable
from enum import StrEnum

from storage.digest import PollRow, WorkshopData
from storage.models import PollState, ResponseSource


class Audience(StrEnum):
    ORGANISERS = "organisers"  # by DM to an organiser, or from the command line
    CHANNEL = "channel"  # posted in the workshop channel or in a thread there


def withheld_polls(polls: Iterable[PollRow]) -> frozenset[int]:
    """Polls whose own Slack message does not show results yet: hidden until the poll closes."""
    return frozenset(poll.id for poll in polls if poll.results_hidden and poll.state != PollState.CLOSED)


def visible_data(data: WorkshopData, audience: Audience) -> WorkshopData:
    """The rows `audience` may see; counts are then computed from these rows alone."""
    if audience is Audience.ORGANISERS:
        return data
    withheld = withheld_polls(data.polls)
    return data._replace(
        responses=[row for row in data.responses if row.source != ResponseSource.PRIVATE],
        votes=[row for row in data.votes if row.poll_id not in withheld],
        reasons=[],
    )


def names_nobody(audience: Audience, chatham_house: bool) -> bool:
    """Whether the digest must leave every author, voter and mention unnamed."""
    return chatham_house or audience is Audience.CHANNEL
