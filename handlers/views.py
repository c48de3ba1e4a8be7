"""Modals: opening them (the one Slack call made before an ack) and their submissions.

Poll creation and a voter's reason; a question's private answer and a chair's conclusion. Every refusal
of a submission is a field error on the modal, so nothing typed is lost.
"""

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.polls import blocks as poll_blocks
from bot.polls import rules as polls
from bot.polls import updates as poll_updates
from bot.questions import answers
from bot.questions import blocks as question_blocks
from bot.questions import controls as question_controls
from bot.runtime.deps import Deps
from bot.runtime.settings import Settings

logger = logging.getLogger(__name__)

OPEN_TIMEOUT_SECONDS = 2.0  # trigger_ids expire after 3 s, and the command must be acked within 3 s
EXPIRED = "This form has expired; open it again from the message."
TEXT_FIELD = "text"  # block_id and action_id of the question modals' input (bot.questions.blocks)


def modal_client(settings: Settings) -> AsyncWebClient:
    """A client for views.open only: no retry handlers (a 429 must not sleep past the ack), short timeout."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token, base_url=settings.slack_api_url, timeout=int(OPEN_TIMEOUT_SECONDS), retry_handlers=[]
    )


async def open_modal(
    client: AsyncWebClient, trigger_id: str, view: dict[str, Any], form: str = "poll form"
) -> str | None:
    """Open the modal within the trigger window; the error to show the user, or None when it opened."""
    try:
        await asyncio.wait_for(client.views_open(trigger_id=trigger_id, view=view), OPEN_TIMEOUT_SECONDS)
        return None
    except SlackApiError as error:
        code = error.response.get("error", "unknown_error")
        logger.warning("views.open failed: %s", code)
        return f"The {form} could not be opened (`{code}`)."
    except (TimeoutError, OSError) as error:
        logger.warning("views.open failed: %r", error)
        return f"The {form} could not be opened in time."


class PollViews:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def create_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = (body.get("user") or {}).get("id", "")
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
            place = polls.Place(
                channel_id=str(metadata["channel_id"]), channel_name=metadata.get("channel_name")
            )
        except (ValueError, KeyError, TypeError):
            await ack(
                response_action="errors", errors={"question": "This form has expired; run the command again."}
            )
            return
        form = poll_blocks.form_values(view.get("state") or {})
        result = await asyncio.to_thread(polls.create_from_form, self.deps, user_id, place, form)
        if isinstance(result, polls.Refused):
            field = result.field if result.field in form else "question"
            await ack(response_action="errors", errors={field: result.message[:2000]})
            return
        await ack()
        self.deps.later(poll_updates.open_new_poll, self.deps, result.poll_id, None, user_id)

    async def reason_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = (body.get("user") or {}).get("id", "")
        poll_id = poll_blocks.parse_poll_value(str(view.get("private_metadata") or ""))
        submission = str(view.get("id") or "")  # one per opened modal; a repeated delivery keeps it
        if poll_id is None or not user_id or not submission:
            await ack(response_action="errors", errors={poll_blocks.REASON_FIELD: EXPIRED})
            return
        reason = poll_blocks.form_values(view.get("state") or {}).get(poll_blocks.REASON_FIELD)
        refused = await asyncio.to_thread(polls.save_reason, self.deps, poll_id, user_id, reason, submission)
        if refused is not None:
            await ack(response_action="errors", errors={poll_blocks.REASON_FIELD: refused.message[:2000]})
            return
        await ack()


class QuestionViews:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def private_answer_submitted(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        form = _question_form(body, view)
        if form is None:
            await ack(response_action="errors", errors={TEXT_FIELD: EXPIRED})
            return
        try:
            await asyncio.to_thread(
                answers.record_private_answer,
                self.deps,
                form.question_id,
                form.user_id,
                form.text,
                submission_id=form.submission_id,
            )
        except answers.AnswerRefused as refused:
            await ack(response_action="errors", errors={TEXT_FIELD: str(refused)[:2000]})
            return
        await ack()

    async def conclusion_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = _question_form(body, view)
        if form is None:
            await ack(response_action="errors", errors={TEXT_FIELD: EXPIRED})
            return
        try:
            conclusion = await asyncio.to_thread(
                question_controls.conclude_once,
                self.deps,
                form.question_id,
                form.user_id,
                form.text,
                form.submission_id,
            )
        except answers.AnswerRefused as refused:
            await ack(response_action="errors", errors={TEXT_FIELD: str(refused)[:2000]})
            return
        await ack()
        if conclusion is not None:
            self.deps.later(question_controls.announce_conclusion, self.deps, conclusion)


@dataclass(frozen=True, slots=True)
class QuestionForm:
    """A question modal's submission: who, which question (private_metadata), the text, the view id."""

    user_id: str
    question_id: int
    text: str
    submission_id: str  # one per opened modal; a repeated delivery keeps it


def _question_form(body: dict[str, Any], view: dict[str, Any]) -> QuestionForm | None:
    user_id = str((body.get("user") or {}).get("id") or "")
    question_id = question_blocks.parse_question_value(str(view.get("private_metadata") or ""))
    submission_id = str(view.get("id") or "")
    if question_id is None or not user_id or not submission_id:
        return None
    text = poll_blocks.form_values(view.get("state") or {}).get(TEXT_FIELD) or ""
    return QuestionForm(user_id, question_id, text, submission_id)


def register(app: AsyncApp, deps: Deps) -> None:
    views = PollViews(deps)
    app.view(poll_blocks.CREATE_CALLBACK)(views.create_submitted)
    app.view(poll_blocks.REASON_CALLBACK)(views.reason_submitted)
    question_views = QuestionViews(deps)
    app.view(question_blocks.PRIVATE_ANSWER_CALLBACK)(question_views.private_answer_submitted)
    app.view(question_blocks.CONCLUSION_CALLBACK)(question_views.conclusion_submitted)
