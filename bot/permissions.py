"""Who may do what: every privileged action, the roles allowed each one, and what a refusal says. Slack-free.

Roles: Roundtable's organisers (ROUNDTABLE_ORGANISERS: every workshop, and channels with none), a
workshop's organisers and chairs (from its file), and participants (everyone, whatever else they are).
`workshop` None is a channel, or a poll, with no workshop: there only Roundtable's organisers act.
Every privileged path asks `authorise` on the server, in the session that then acts, so a crafted click
or form submission is refused like any other.
"""

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from bot.text import escape
from storage import roles
from storage.models import RoleName, Workshop


class Role(StrEnum):
    GLOBAL_ORGANISER = "global organiser"
    ORGANISER = "organiser"
    CHAIR = "chair"
    PARTICIPANT = "participant"


class Action(StrEnum):
    OPEN_POLL_FORM = "open the poll form"
    CREATE_POLL = "create a poll"
    CLOSE_POLL = "close a poll"
    OPEN_CONCLUSION_FORM = "open the conclusion form"
    CONCLUDE_QUESTION = "close a question with a conclusion"
    POST_NEXT_QUESTION = "post the next question early"
    COMPILE_DIGEST = "compile the digest"
    READ_UPCOMING = "read questions not yet posted"
    START_WEIGH_IN = "start a weigh-in round"
    EXCLUDE_FROM_WEIGH_IN = "exclude an answer from the weigh-in"
    CURATE_THEMES = "curate a question's themes"


@dataclass(frozen=True, slots=True)
class Allowed:
    pass


@dataclass(frozen=True, slots=True)
class Refused:
    message: str  # shown to the person as it is (already mrkdwn-escaped)


Message = Callable[[Session, Workshop | None, Collection[str]], str]


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[Role]
    refusal: Message


def _chairs_and_organisers(verb: str, bound_verb: str | None = None) -> Message:
    """ "Only the chairs and organisers of *W* can VERB: <@…>, <@…>." — naming who to ask."""

    def message(session: Session, workshop: Workshop | None, organisers: Collection[str]) -> str:
        if workshop is None or workshop.id is None:
            who = _mentions(sorted(organisers)) or "nobody yet (set ROUNDTABLE_ORGANISERS)"
            return f"This channel has no workshop, so only Roundtable's organisers can {verb} here: {who}."
        people = set(roles.users_with_role(session, workshop.id, RoleName.CHAIR))
        people |= set(roles.users_with_role(session, workshop.id, RoleName.ORGANISER)) | set(organisers)
        return (
            f"Only the chairs and organisers of *{escape(workshop.title)}* can {bound_verb or verb}: "
            f"{_mentions(sorted(people)) or 'none are set'}."
        )

    return message


def _digest_refusal(session: Session, workshop: Workshop | None, organisers: Collection[str]) -> str:
    if workshop is None or workshop.id is None:
        return _chairs_and_organisers("compile a digest")(session, workshop, organisers)
    listed = roles.users_with_role(session, workshop.id, RoleName.ORGANISER)
    who = ", ".join(f"<@{u}>" for u in listed) or "the workshop's organisers"
    return f"Only organisers of *{escape(workshop.title)}* can compile its digest ({who})."


def _fixed(text: str) -> Message:
    return lambda _session, _workshop, _organisers: text


MANAGERS = frozenset({Role.GLOBAL_ORGANISER, Role.ORGANISER, Role.CHAIR})
ORGANISERS = frozenset({Role.GLOBAL_ORGANISER, Role.ORGANISER})

# The one table of who may do what. The wording of each refusal is what people have always been shown:
# a form that would not open names who to ask; a crafted submission gets the short rule.
RULES: dict[Action, Rule] = {
    Action.OPEN_POLL_FORM: Rule(MANAGERS, _chairs_and_organisers("create polls")),
    Action.CREATE_POLL: Rule(MANAGERS, _chairs_and_organisers("create polls", "create polls here")),
    Action.CLOSE_POLL: Rule(MANAGERS, _chairs_and_organisers("close this poll")),
    Action.OPEN_CONCLUSION_FORM: Rule(MANAGERS, _chairs_and_organisers("close a question with a conclusion")),
    Action.CONCLUDE_QUESTION: Rule(
        MANAGERS, _fixed("Only the workshop's chairs and organisers can close a question with a conclusion.")
    ),
    Action.POST_NEXT_QUESTION: Rule(
        ORGANISERS, _fixed("Only the workshop's organisers can post its next question early.")
    ),
    Action.COMPILE_DIGEST: Rule(ORGANISERS, _digest_refusal),
    Action.READ_UPCOMING: Rule(MANAGERS, _chairs_and_organisers("read the questions still to come")),
    Action.START_WEIGH_IN: Rule(MANAGERS, _chairs_and_organisers("start a weigh-in round")),
    Action.EXCLUDE_FROM_WEIGH_IN: Rule(
        MANAGERS, _chairs_and_organisers("take an answer out of the weigh-in or put it back")
    ),
    Action.CURATE_THEMES: Rule(MANAGERS, _chairs_and_organisers("curate its themes")),
}

_STORED = {Role.ORGANISER: RoleName.ORGANISER, Role.CHAIR: RoleName.CHAIR}


def roles_of(
    session: Session, user_id: str, workshop: Workshop | None, organisers: Collection[str]
) -> set[Role]:
    """Every role `user_id` holds in `workshop` (None: a channel or poll with no workshop)."""
    held = {Role.PARTICIPANT}
    if user_id in organisers:
        held.add(Role.GLOBAL_ORGANISER)
    if workshop is not None and workshop.id is not None:
        stored = roles.roles_of(session, workshop.id, user_id)
        held |= {role for role, name in _STORED.items() if name in stored}
    return held


def authorise(
    session: Session, user_id: str, action: Action, workshop: Workshop | None, organisers: Collection[str]
) -> Allowed | Refused:
    """Whether `user_id` may do `action` in `workshop`; a refusal carries the message to show them."""
    rule = RULES[action]
    if roles_of(session, user_id, workshop, organisers) & rule.roles:
        return Allowed()
    return Refused(rule.refusal(session, workshop, organisers))


def workshops_where(
    session: Session, user_id: str, action: Action, organisers: Collection[str]
) -> Sequence[Workshop]:
    """The workshops in which `user_id` may do `action` (every one for Roundtable's organisers, if allowed)."""
    rule = RULES[action]
    stored = [name for role, name in _STORED.items() if role in rule.roles]
    everywhere = user_id in organisers and Role.GLOBAL_ORGANISER in rule.roles
    return roles.workshops_with_roles(session, user_id, stored, everywhere=everywhere)


def _mentions(user_ids: list[str]) -> str:
    return ", ".join(f"<@{user_id}>" for user_id in user_ids if re.fullmatch(r"[UW][A-Z0-9]+", user_id))
