"""Delivering a digest in Slack: who may ask for which workshop, and sending the summary and the files.

The summary (Block Kit, within Slack's limits) goes by DM to the organiser, or into the workshop channel,
or as a reply under the workshop's first question; the full digest always goes as files (HTML to read,
Markdown to paste, Word to edit into the final report) plus a PNG chart per poll, so no Slack message limit can cut it short. What goes into
the channel or a thread there is compiled for the channel's audience (see `bot.digest.audience`).
"""

import logging
from dataclasses import dataclass
from enum import StrEnum

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import digest, permissions
from bot.people import names as people
from bot.permissions import Action
from bot.runtime.deps import Deps
from bot.text import escape
from storage import questions, roles, workshops
from storage.models import PostState, Workshop

logger = logging.getLogger(__name__)

MAX_CHARTS = 10


class Destination(StrEnum):
    DM = "dm"
    CHANNEL = "channel"
    THREAD = "thread"


@dataclass(frozen=True, slots=True)
class DigestRequest:
    slug: str
    requester: str
    destination: Destination

    @property
    def audience(self) -> digest.Audience:
        """Everyone in the channel reads what goes to the channel or a thread there; only the DM is private."""
        return digest.Audience.ORGANISERS if self.destination is Destination.DM else digest.Audience.CHANNEL


class DigestRefused(Exception):
    """The request cannot be served; the message is shown to the requester."""


def parse_arguments(arguments: str) -> tuple[str | None, Destination]:
    """`[WORKSHOP] [dm|channel|thread]` in any order."""
    slug: str | None = None
    destination = Destination.DM
    for word in arguments.split():
        lowered = word.lower()
        if lowered in Destination.__members__.values():
            destination = Destination(lowered)
        elif slug is None:
            slug = lowered
        else:
            raise DigestRefused(
                f"Too many arguments: `{escape(word)}`. Usage: `/roundtable digest [WORKSHOP] [dm|channel|thread]`"
            )
    return slug, destination


def request_digest(
    deps: Deps, user_id: str, arguments: str, channel_id: str, channel_name: str | None
) -> DigestRequest:
    """`/roundtable digest [WORKSHOP] [dm|channel|thread]`: the workshop to compile (the one named, else
    the channel's), or DigestRefused with a message listing the choices or who may ask."""
    slug, destination = parse_arguments(arguments)
    with deps.db.reading() as session:
        if slug is None:
            bound = roles.workshops_for_channel(session, channel_id, channel_name)
            if len(bound) != 1:
                reason = "this channel has " + ("several workshops" if bound else "no workshop")
                raise DigestRefused(_choices(deps, user_id, reason))
            workshop = bound[0]
        else:
            found = workshops.get_by_slug(session, slug)
            if found is None:
                raise DigestRefused(_choices(deps, user_id, f"there is no workshop `{escape(slug)}`"))
            workshop = found
        return _authorised(deps, session, user_id, workshop, destination)


def home_request(deps: Deps, user_id: str, workshop_id: int) -> DigestRequest:
    """The App Home's Digest button: that workshop's digest by DM, or DigestRefused."""
    with deps.db.reading() as session:
        workshop = session.get(Workshop, workshop_id)
        if workshop is None:
            raise DigestRefused(_choices(deps, user_id, f"there is no workshop `{workshop_id}`"))
        return _authorised(deps, session, user_id, workshop, Destination.DM)


def _authorised(
    deps: Deps, session: Session, user_id: str, workshop: Workshop, destination: Destination
) -> DigestRequest:
    decision = permissions.authorise(session, user_id, Action.COMPILE_DIGEST, workshop, deps.organisers)
    if isinstance(decision, permissions.Refused):
        raise DigestRefused(decision.message)
    return DigestRequest(workshop.slug, user_id, destination)


def _choices(deps: Deps, user_id: str, reason: str) -> str:
    with deps.db.reading() as session:
        mine = permissions.workshops_where(session, user_id, Action.COMPILE_DIGEST, deps.organisers)
    if not mine:
        return f"Cannot compile a digest: {reason}, and you are not an organiser of any workshop."
    listing = "\n".join(f"• `{escape(w.slug)}` — {escape(w.title)}" for w in mine)
    return f"Cannot tell which workshop: {reason}. Yours:\n{listing}\nUse `/roundtable digest WORKSHOP`."


def deliver(deps: Deps, request: DigestRequest) -> str:
    """Compile and send; returns the channel it went to. Runs after the ack, in the background."""
    directory = people.Directory(deps.slack)
    names = people.display_names(deps.db, request.slug, directory)
    compiled = digest.compile_digest(
        deps.db,
        request.slug,
        audience=request.audience,
        display_names=names,
        known_names=people.known_names(deps.db, request.slug, directory),
    )
    target, thread_ts = _target(deps, request)
    deps.slack.chat_postMessage(
        channel=target,
        thread_ts=thread_ts,
        text=f"Digest of {escape(compiled.title)}",
        blocks=digest.summary_blocks(compiled),
        unfurl_links=False,
    )
    uploads = [
        {
            "content": digest.render(compiled, "html"),
            "filename": f"{request.slug}-digest.html",
            "title": f"{compiled.title} — digest (HTML)",
        },
        {
            "content": digest.render(compiled, "md"),
            "filename": f"{request.slug}-digest.md",
            "title": f"{compiled.title} — digest (Markdown)",
        },
        {
            "content": digest.render(compiled, "docx"),
            "filename": f"{request.slug}-digest.docx",
            "title": f"{compiled.title} — digest (Word)",
        },
    ]
    uploads += [
        {
            "content": digest.poll_chart_png(poll),
            "filename": f"{request.slug}-poll-{poll.number}.png",
            "title": f"Poll {poll.number}",
        }
        for poll in [poll for poll in compiled.polls if not poll.results_withheld][:MAX_CHARTS]
    ]
    if compiled.opinion_groups.shown:  # the unlabelled map: dots and group sizes, nothing about who
        uploads.append(
            {
                "content": digest.opinion_map_png(compiled.opinion_groups),
                "filename": f"{request.slug}-opinion-map.png",
                "title": "Opinion map",
            }
        )
    deps.slack.files_upload_v2(
        channel=target,
        thread_ts=thread_ts,
        file_uploads=uploads,
        initial_comment=(
            "The full digest: open the HTML file to read or print it, the Word file to edit it into the "
            "final report, or paste the Markdown into a document."
        ),
    )
    logger.info("digest of %s delivered to %s", request.slug, request.destination)
    return target


def _target(deps: Deps, request: DigestRequest) -> tuple[str, str | None]:
    if request.destination is Destination.DM:
        opened = deps.slack.conversations_open(users=request.requester)
        return str(opened["channel"]["id"]), None
    with deps.db.reading() as session:
        workshop = workshops.get_by_slug(session, request.slug)
        if workshop is None:
            raise DigestRefused("the workshop no longer exists")
        channel = workshop.channel_id or workshop.channel_ref
        if request.destination is Destination.CHANNEL:
            return channel, None
        posted = [q for q in questions.for_workshop(session, workshop.id or 0) if q.state == PostState.POSTED]
    if not posted or not posted[0].message_ts:
        raise DigestRefused(
            "No question has been posted yet, so there is no thread to reply in; try `channel`."
        )
    return posted[0].channel_id or channel, posted[0].message_ts


def deliver_or_report(deps: Deps, request: DigestRequest) -> None:
    """deliver(), telling the requester by DM when it cannot be done rather than failing silently."""
    try:
        deliver(deps, request)
    except (DigestRefused, digest.DigestError) as problem:
        _tell(deps, request.requester, f":warning: The digest of `{request.slug}` was not sent: {problem}")
    except SlackApiError as error:
        logger.error("digest of %s failed: %s", request.slug, error.response.get("error"))
        _tell(
            deps,
            request.requester,
            f":warning: Slack refused the digest of `{request.slug}` "
            f"(`{error.response.get('error')}`). Is the bot in that channel?",
        )


def _tell(deps: Deps, user_id: str, text: str) -> None:
    try:
        deps.slack.chat_postMessage(channel=user_id, text=text)
    except SlackApiError:
        logger.warning("could not tell %s about a digest failure", user_id)
