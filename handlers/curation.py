"""Curating themes in Slack: the "Add to theme…" message shortcut and the App Home's themes modal.

Each listener parses the payload, calls bot.curation, acks, renders. Forms open with views.open before
the ack (the trigger_id lasts 3 s) after a read-only role check; every submission and button is checked
again on the server when it stores. Moving between the overview and an edit form is views.update after
the ack; a saved edit answers its submission with the refreshed overview (response_action "update").
"""

import asyncio
import hashlib
import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.curation import blocks, forms
from bot.curation import themes as rules
from bot.home import blocks as home_blocks
from bot.polls.blocks import form_values
from bot.runtime.deps import Deps
from handlers import views
from handlers.actions import reply
from handlers.home import publish

logger = logging.getLogger(__name__)

EXPIRED = "This form has expired; open it again."


class Curation:
    def __init__(self, deps: Deps, modal_client: AsyncWebClient) -> None:
        self.deps = deps
        self.modal_client = modal_client

    # ----- the message shortcut ------------------------------------------------------------------
    async def add_to_theme(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        user_id = _user(body)
        channel_id = str((body.get("channel") or {}).get("id") or "")
        message_ts = str((body.get("message") or {}).get("ts") or body.get("message_ts") or "")
        prompt = await asyncio.to_thread(
            forms.add_prompt, self.deps, user_id, channel_id, message_ts, self.deps.suggest_themes
        )
        if isinstance(prompt, rules.Refused):
            await ack()
            reply(self.deps, body, prompt.message)
            return
        trigger = str(body.get("trigger_id") or "")
        problem = await views.open_modal(self.modal_client, trigger, blocks.add_modal(prompt), "theme form")
        await ack()
        if problem is not None:
            reply(self.deps, body, problem)

    async def add_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        parsed = blocks.parse_add_metadata(str(view.get("private_metadata") or ""))
        if parsed is None or not _user(body):
            await ack(response_action="errors", errors={"new_label": EXPIRED})
            return
        response_id, suggested = parsed
        values = form_values(view.get("state") or {})
        refused = await asyncio.to_thread(
            forms.add_to_theme,
            self.deps,
            _user(body),
            response_id,
            values.get("theme"),
            values.get("new_label"),
            suggested,
            self.deps.suggest_themes,
            _dedupe_key(view),
        )
        if refused is not None:
            field = refused.field if refused.field in values else "new_label"
            await ack(response_action="errors", errors={field: refused.message[:2000]})
            return
        await ack()

    # ----- the App Home's themes modal -----------------------------------------------------------
    async def home_picked(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user_id = _user(body)
        selected = str((action.get("selected_option") or {}).get("value") or "")
        question_id = blocks.parse_question_value(selected)
        state = (
            await asyncio.to_thread(forms.overview, self.deps, user_id, question_id, self.deps.suggest_themes)
            if question_id is not None
            else rules.Refused(rules.UNKNOWN_QUESTION)
        )
        if isinstance(state, rules.Refused):
            await ack()
            self.deps.later(publish, self.deps, user_id, state.message)
            return
        trigger = str(body.get("trigger_id") or "")
        problem = await views.open_modal(self.modal_client, trigger, blocks.overview_modal(state), "themes")
        await ack()
        if problem is not None:
            self.deps.later(publish, self.deps, user_id, problem)

    async def accept(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user_id = _user(body)
        question_id = blocks.parse_question_value(str(action.get("value") or ""))
        refused = (
            await asyncio.to_thread(
                rules.apply_edit, self.deps, user_id, question_id, rules.Accept(), self.deps.suggest_themes
            )
            if question_id is not None
            else rules.Refused(rules.UNKNOWN_QUESTION)
        )
        await ack()
        view_id = _view_id(body)
        if refused is not None or question_id is None:
            self.deps.later(update_view, self.deps, view_id, blocks.notice_modal(_message(refused)))
            return
        self.deps.later(
            self.show_overview, user_id, question_id, view_id, "The suggested themes are accepted."
        )

    async def open_form(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        user_id = _user(body)
        form = str(action.get("action_id") or "").removeprefix(blocks.FORM_ACTION_PREFIX)
        question_id = blocks.parse_question_value(str(action.get("value") or ""))
        state = (
            await asyncio.to_thread(forms.overview, self.deps, user_id, question_id, self.deps.suggest_themes)
            if question_id is not None and form in blocks.FORMS
            else rules.Refused(rules.UNKNOWN_QUESTION)
        )
        await ack()
        view = (
            blocks.notice_modal(state.message)
            if isinstance(state, rules.Refused)
            else blocks.edit_modal(state, form)
        )
        self.deps.later(update_view, self.deps, _view_id(body), view)

    async def edit_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        parsed = blocks.parse_edit_metadata(str(view.get("private_metadata") or ""))
        values = form_values(view.get("state") or {})
        if parsed is None or not _user(body):
            await ack(response_action="errors", errors={next(iter(values), "theme"): EXPIRED})
            return
        question_id, form = parsed
        edit = blocks.parse_edit(form, values)
        refused = (
            edit
            if isinstance(edit, rules.Refused)
            else await asyncio.to_thread(
                rules.apply_edit,
                self.deps,
                _user(body),
                question_id,
                edit,
                self.deps.suggest_themes,
                _dedupe_key(view),
            )
        )
        if refused is not None:
            fields = blocks.FIELDS[form]
            field = refused.field if refused.field in fields else fields[0]
            await ack(response_action="errors", errors={field: refused.message[:2000]})
            return
        state = await asyncio.to_thread(
            forms.overview, self.deps, _user(body), question_id, self.deps.suggest_themes
        )
        shown = (
            blocks.notice_modal(state.message)
            if isinstance(state, rules.Refused)
            else blocks.overview_modal(state, "Saved.")
        )
        await ack(response_action="update", view=shown)

    def show_overview(self, user_id: str, question_id: int, view_id: str, notice: str) -> None:
        state = forms.overview(self.deps, user_id, question_id, self.deps.suggest_themes)
        shown = (
            blocks.notice_modal(state.message)
            if isinstance(state, rules.Refused)
            else blocks.overview_modal(state, notice)
        )
        update_view(self.deps, view_id, shown)


def update_view(deps: Deps, view_id: str, view: dict[str, Any]) -> None:
    if not view_id:
        return
    try:
        deps.slack.views_update(view_id=view_id, view=view)
    except SlackApiError as error:
        logger.warning("views.update failed: %s", error.response.get("error"))


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def _view_id(body: dict[str, Any]) -> str:
    return str((body.get("view") or {}).get("id") or (body.get("container") or {}).get("view_id") or "")


def _dedupe_key(view: dict[str, Any]) -> str | None:
    """One key per submission: a repeated delivery of it applies once.

    The view's id and hash name the form as it was shown; the submitted values are part of the key too,
    since a form shown twice with the same content may carry the same hash.
    """
    view_id, view_hash = view.get("id"), view.get("hash")
    if not view_id or not view_hash:
        return None
    values = json.dumps((view.get("state") or {}).get("values") or {}, sort_keys=True, default=str)
    digest = hashlib.sha256(f"{view_id}\n{view_hash}\n{values}".encode()).hexdigest()
    return f"curation:{digest}"


def _message(refused: rules.Refused | None) -> str:
    return refused.message if refused is not None else rules.UNKNOWN_QUESTION


def register(app: AsyncApp, deps: Deps) -> None:
    curation = Curation(deps, views.modal_client(deps.settings))
    app.shortcut(blocks.ADD_TO_THEME_SHORTCUT)(curation.add_to_theme)
    app.view(blocks.ADD_CALLBACK)(curation.add_submitted)
    app.action(home_blocks.THEMES_ACTION)(curation.home_picked)
    app.action(blocks.ACCEPT_ACTION)(curation.accept)
    for form in blocks.FORMS:
        app.action(blocks.FORM_ACTION_PREFIX + form)(curation.open_form)
    app.view(blocks.EDIT_CALLBACK)(curation.edit_submitted)
