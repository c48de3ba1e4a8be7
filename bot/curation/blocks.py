"""Block Kit for curating themes: the overview modal, its edit forms, and the "Add to theme…" form. Pure.

Every piece of participants' and rapporteurs' text goes through `escape` (mrkdwn) or, in plain_text
option labels, only through `truncate` to Slack's limits; each view stays within 100 blocks and each
picker within 100 options.
"""

import json
from typing import Any

from bot.curation.effective import MAX_LABEL
from bot.curation.forms import PICK_ONE, AddPrompt, Overview, ThemeLine
from bot.curation.themes import (
    GONE_THEME,
    NOT_AN_ANSWER,
    OTHER,
    AddToNewTheme,
    ChooseQuote,
    Edit,
    MarkQuotable,
    Merge,
    Move,
    Refused,
    Rename,
)
from bot.text import escape, parse_id, truncate

Block = dict[str, Any]

ADD_TO_THEME_SHORTCUT = "curation.add_to_theme"  # the message shortcut's callback_id (manifest.yml)
ADD_CALLBACK = "curation.add"  # the "Add to theme…" modal
OVERVIEW_CALLBACK = "curation.themes"  # the per-question themes modal opened from the App Home
EDIT_CALLBACK = "curation.edit"  # its edit forms (rename, merge, move, quote, quotable)
ACCEPT_ACTION = "curation.accept"
FORM_ACTION_PREFIX = "curation.form."  # + a form name; the button's value is the question id
FORMS = {
    "rename": "Rename a theme",
    "merge": "Merge themes",
    "move": "Move an answer",
    "quote": "Choose a quote",
    "quotable": "Not for quotation",
}
MAX_OPTIONS = 100
MAX_THEMES_SHOWN = 40
OTHER_VALUE = "other"


def parse_question_value(value: str) -> int | None:
    return parse_id(value)


def edit_metadata(question_id: int, form: str) -> str:
    return json.dumps({"question": question_id, "form": form})


def parse_edit_metadata(metadata: str) -> tuple[int, str] | None:
    """(question id, form name) from an edit form's private_metadata, or None if it is not ours."""
    try:
        data = json.loads(metadata or "{}")
        question_id, form = parse_id(str(data["question"])), str(data["form"])
    except (ValueError, KeyError, TypeError):
        return None
    return (question_id, form) if question_id is not None and form in FORMS else None


def add_metadata(prompt: AddPrompt) -> str:
    return json.dumps({"response": prompt.response_id, "suggested": list(prompt.suggested_labels)})


def parse_add_metadata(metadata: str) -> tuple[int, tuple[str, ...]] | None:
    try:
        data = json.loads(metadata or "{}")
        response_id = parse_id(str(data["response"]))
        labels = tuple(str(label) for label in data.get("suggested") or ())
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return (response_id, labels) if response_id is not None else None


def _text(text: str, limit: int = 3000) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, limit)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}


def _plain(text: str, limit: int = MAX_LABEL) -> dict[str, str]:
    return {"type": "plain_text", "text": truncate(" ".join(text.split()) or "(empty)", limit)}


def _option(value: str, text: str) -> Block:
    return {"text": _plain(text), "value": value}


def _select(block_id: str, label: str, options: list[Block], *, optional: bool = False) -> Block:
    element: Block = {
        "type": "static_select",
        "action_id": block_id,
        "placeholder": _plain("Choose…"),
        "options": options[:MAX_OPTIONS],
    }
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "optional": optional,
        "element": element,
    }


def _label_input(block_id: str, label: str, *, optional: bool = False) -> Block:
    element = {"type": "plain_text_input", "action_id": block_id, "max_length": MAX_LABEL}
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "optional": optional,
        "element": element,
    }


def _modal(callback_id: str, title: str, blocks: list[Block], metadata: str, submit: str | None) -> Block:
    view: Block = {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title, 24),
        "close": _plain("Done" if submit is None else "Cancel"),
        "private_metadata": metadata,
        "blocks": blocks[:100],
    }
    if submit is not None:
        view["submit"] = _plain(submit)
    return view


def _count(n: int) -> str:
    return f"{n} answer" + ("" if n == 1 else "s")


# ----- the overview ------------------------------------------------------------------------------
def overview_modal(overview: Overview, notice: str | None = None) -> Block:
    blocks: list[Block] = []
    if notice:
        blocks.append(_context(f":information_source: {notice}"))  # our own words, never user text
    blocks.append(_text(f"*Question:* {truncate(escape(overview.question_text), 500)}"))
    if overview.curated:
        blocks.append(_context("*Curated themes*: these replace the suggested themes in the digest."))
    else:
        blocks.append(
            _context(
                "*Suggested themes* (not curated yet): accept them as they are, then rename, merge or "
                "move; or use *Add to theme…* on an answer's message."
            )
        )
    for theme in overview.themes[:MAX_THEMES_SHOWN]:
        blocks.append(_theme_section(overview, theme))
    if len(overview.themes) > MAX_THEMES_SHOWN:
        blocks.append(_context(f"…and {len(overview.themes) - MAX_THEMES_SHOWN} more themes."))
    blocks.append(_text(f"*{OTHER}* · {_count(len(overview.other_ids))}"))
    marked = sum(1 for a in overview.answers if a.not_for_quotation)
    if marked:
        blocks.append(_context(f"{_count(marked)} marked not for quotation."))
    buttons = _buttons(overview)
    if buttons:
        blocks.append({"type": "actions", "block_id": "curation.actions", "elements": buttons})
    return _modal(OVERVIEW_CALLBACK, "Themes", blocks, str(overview.question_id), None)


def _theme_section(overview: Overview, theme: ThemeLine) -> Block:
    text = f"*{escape(theme.label)}* · {_count(len(theme.answer_ids))}"
    if theme.quote_id is not None:
        text += f"\n> {truncate(escape(' '.join(overview.text_of(theme.quote_id).split())), 200)}"
    return _text(text)


def _buttons(overview: Overview) -> list[Block]:
    value = str(overview.question_id)
    if not overview.curated:
        accept = {"type": "button", "action_id": ACCEPT_ACTION, "value": value, "style": "primary"}
        shown = [{**accept, "text": _plain("Accept suggested themes")}]
        if overview.answers:
            shown.append(_form_button("quotable", value))
        return shown
    wanted = []
    if overview.themes:
        wanted += ["rename", "quote"]
    if len(overview.themes) > 1:
        wanted.insert(1, "merge")
    if overview.answers:
        wanted += ["move", "quotable"]
    return [_form_button(form, value) for form in wanted]


def _form_button(form: str, value: str) -> Block:
    return {
        "type": "button",
        "action_id": FORM_ACTION_PREFIX + form,
        "value": value,
        "text": _plain(FORMS[form]),
    }


# ----- the edit forms ----------------------------------------------------------------------------
def edit_modal(overview: Overview, form: str) -> Block:
    """One edit form over the overview (views.update); a form with nothing to pick says so instead."""
    stored = [t for t in overview.themes if t.theme_id is not None]
    theme_options = [_option(f"t{t.theme_id}", t.label) for t in stored]
    answers = [_option(str(a.response_id), a.text) for a in overview.answers]
    blocks: list[Block]
    if form == "rename":
        label = _label_input("label", "New name")
        blocks = [_select("theme", "Theme", theme_options), label] if theme_options else []
    elif form == "merge":
        blocks = (
            [
                _select("theme", "Merge this theme…", theme_options),
                _select("into", "…into this one", theme_options),
            ]
            if len(theme_options) > 1
            else []
        )
    elif form == "move":
        targets = [*theme_options, _option(OTHER_VALUE, OTHER)]
        blocks = (
            [
                _select("answer", "Answer", answers),
                _select("target", "Move it to", targets, optional=True),
                _label_input("new_label", "…or to a new theme", optional=True),
            ]
            if answers
            else []
        )
    elif form == "quote":
        blocks = _quote_blocks(overview, stored)
    else:
        marks = [_option("not", "Not for quotation"), _option("ok", "May be quoted")]
        marked = [
            _option(str(a.response_id), ("[not for quotation] " if a.not_for_quotation else "") + a.text)
            for a in overview.answers
        ]
        blocks = [_select("answer", "Answer", marked), _select("mark", "Mark it", marks)] if marked else []
    if len(overview.answers) > MAX_OPTIONS and form in ("move", "quotable"):
        blocks.append(
            _context(
                f"Only the first {MAX_OPTIONS} answers are listed; use *Add to theme…* on a later answer's message."
            )
        )
    if not blocks:
        return _modal(
            EDIT_CALLBACK,
            FORMS[form],
            [_text("Nothing to change here yet.")],
            edit_metadata(overview.question_id, form),
            None,
        )
    return _modal(EDIT_CALLBACK, FORMS[form], blocks, edit_metadata(overview.question_id, form), "Save")


def _quote_blocks(overview: Overview, stored: list[ThemeLine]) -> list[Block]:
    groups, total = [], 0
    for theme in stored:
        options = [
            _option(f"{theme.theme_id}:{a.response_id}", a.text)
            for a in overview.answers
            if a.response_id in theme.answer_ids and not a.not_for_quotation
        ][: MAX_OPTIONS - total]
        if options:
            groups.append({"label": _plain(theme.label), "options": options})
            total += len(options)
    if not groups:
        return []
    element = {
        "type": "static_select",
        "action_id": "quote",
        "placeholder": _plain("Choose…"),
        "option_groups": groups,
    }
    return [
        {"type": "input", "block_id": "quote", "label": _plain("The quote, by theme"), "element": element}
    ]


def parse_choice(value: str | None) -> int | None:
    """A stored theme id from a "t<id>" option; None for anything else."""
    return parse_id(value[1:]) if value and value.startswith("t") else None


FIELDS = {
    "rename": ("theme", "label"),
    "merge": ("theme", "into"),
    "move": ("answer", "target", "new_label"),
    "quote": ("quote",),
    "quotable": ("answer", "mark"),
}


def parse_edit(form: str, values: dict[str, str | None]) -> Edit | Refused:
    """The edit an edit form's submitted values ask for, or which field makes no sense."""
    if form == "rename":
        theme = parse_choice(values.get("theme"))
        return Rename(theme, values.get("label") or "") if theme else Refused(GONE_THEME, "theme")
    if form == "merge":
        theme, into = parse_choice(values.get("theme")), parse_choice(values.get("into"))
        if theme is None or into is None:
            return Refused(GONE_THEME, "theme" if theme is None else "into")
        return Merge(theme, into)
    answer = parse_id(values.get("answer") or "")
    if form == "quote":
        theme_part, _, answer_part = (values.get("quote") or "").partition(":")
        theme, answer = parse_id(theme_part), parse_id(answer_part)
        return ChooseQuote(theme, answer) if theme and answer else Refused(GONE_THEME, "quote")
    if answer is None:
        return Refused(NOT_AN_ANSWER, "answer")
    if form == "move":
        target, named = values.get("target"), " ".join((values.get("new_label") or "").split())
        if bool(target) == bool(named):
            return Refused(PICK_ONE if not named else f"{PICK_ONE[:-1]}, not both.", "new_label")
        if named:
            return AddToNewTheme(answer, named)
        theme = None if target == OTHER_VALUE else parse_choice(target)
        if target != OTHER_VALUE and theme is None:
            return Refused(GONE_THEME, "target")
        return Move(answer, theme)
    mark = values.get("mark")
    if mark not in ("not", "ok"):
        return Refused("Choose whether it may be quoted.", "mark")
    return MarkQuotable(answer, not_for_quotation=mark == "not")


def notice_modal(text: str) -> Block:
    """A modal that only says something: `text` is our own mrkdwn (refusals come escaped)."""
    return _modal(OVERVIEW_CALLBACK, "Themes", [_text(text)], "", None)


# ----- the "Add to theme…" form ------------------------------------------------------------------
def add_modal(prompt: AddPrompt) -> Block:
    blocks = [_text(f"> {truncate(escape(' '.join(prompt.answer_text.split())), 600)}")]
    if prompt.current_theme:
        blocks.append(_context(f"Now in *{escape(prompt.current_theme)}*; adding it elsewhere moves it."))
    if prompt.suggested_labels:
        blocks.append(_context("The themes are suggestions until curated: adding this answer accepts them."))
    if prompt.options:
        blocks.append(
            _select("theme", "An existing theme", [_option(v, t) for v, t in prompt.options], optional=True)
        )
    new_label = "…or a new theme" if prompt.options else "A new theme"
    blocks.append(_label_input("new_label", new_label, optional=bool(prompt.options)))
    return _modal(ADD_CALLBACK, "Add to theme", blocks, add_metadata(prompt), "Add")
