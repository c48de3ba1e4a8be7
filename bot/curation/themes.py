"""Curating a question's themes: the rules of every edit, and the themes the report uses. Slack-free.

A question starts with suggested themes (bot.curation.suggestions). Accepting them copies them into
stored rows; from then on the stored themes replace the suggestions for that question. Every other edit
accepts the suggestions first if nobody has, so an edit always applies to what the editor saw. Each edit
is role-checked on the server (`Action.CURATE_THEMES`) in the transaction that applies it.
"""

from dataclasses import dataclass

from sqlmodel import Session

from bot import permissions
from bot.curation import suggestions
from bot.curation.effective import (
    MAX_LABEL,
    EffectiveThemes,
    inputs,
    resolve_themes,
    suggested_label,
    unquotable,
)
from bot.curation.suggestions import Suggester
from bot.permissions import Action
from bot.runtime.deps import Deps
from storage import events, questions, themes
from storage.models import Response, Theme, Workshop

OTHER = "Other points"
GONE_THEME = "That theme no longer exists; open the themes again."
NOT_AN_ANSWER = "That answer is not one of this question's answers (it may have been deleted)."
UNKNOWN_QUESTION = "That question no longer exists."


@dataclass(frozen=True, slots=True)
class Refused:
    message: str
    field: str = ""  # the form input the message belongs to ("" when it is about the whole form)


# ----- the edits ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Accept:
    """Take the suggested themes as they are."""


@dataclass(frozen=True, slots=True)
class Rename:
    theme_id: int
    label: str


@dataclass(frozen=True, slots=True)
class Merge:
    theme_id: int
    into_id: int


@dataclass(frozen=True, slots=True)
class Move:
    response_id: int
    theme_id: int | None  # None: to "Other points"


@dataclass(frozen=True, slots=True)
class ChooseQuote:
    theme_id: int
    response_id: int


@dataclass(frozen=True, slots=True)
class MarkQuotable:
    response_id: int
    not_for_quotation: bool


@dataclass(frozen=True, slots=True)
class AddToNewTheme:
    response_id: int
    label: str


Edit = Accept | Rename | Merge | Move | ChooseQuote | MarkQuotable | AddToNewTheme


def clean_label(label: str | None) -> str | Refused:
    """The label with its spacing tidied, or why it cannot be one."""
    text = " ".join((label or "").split())
    if not text:
        return Refused("A theme needs a name.", "label")
    if len(text) > MAX_LABEL:
        return Refused(
            f"A theme's name can be at most {MAX_LABEL} characters (this one has {len(text)}).", "label"
        )
    return text


# ----- reading -----------------------------------------------------------------------------------
def effective_themes(
    session: Session, question_id: int, suggest: Suggester = suggestions.suggest_themes
) -> EffectiveThemes:
    """The question's themes for the report: the curated ones when curated, else the suggestions.

    Themes in (position, id) order, each theme's answers oldest first (ties by id); empty themes are
    left out; a quote is always one of its theme's answers and never one marked not for quotation.
    """
    return resolve_themes(
        themes.answers(session, question_id),
        curated=themes.is_curated(session, question_id),
        stored=themes.themes(session, question_id),
        theme_of=themes.memberships(session, question_id),
        suggest=suggest,
    )


def refusal(deps: Deps, session: Session, user_id: str, question_id: int) -> Refused | None:
    """Why `user_id` may not curate the question's themes, or None."""
    question = questions.get(session, question_id)
    if question is None:
        return Refused(UNKNOWN_QUESTION)
    workshop = session.get(Workshop, question.workshop_id)
    decision = permissions.authorise(session, user_id, Action.CURATE_THEMES, workshop, deps.organisers)
    return Refused(decision.message) if isinstance(decision, permissions.Refused) else None


# ----- writing -----------------------------------------------------------------------------------
def apply_edit(
    deps: Deps,
    user_id: str,
    question_id: int,
    edit: Edit,
    suggest: Suggester,
    dedupe_key: str | None = None,
) -> Refused | None:
    """Check the role, validate and store one edit, in one transaction; a refusal says what is wrong.

    `dedupe_key` (one per form submission) makes a repeated delivery of an applied edit a no-op.
    """
    try:
        with deps.db.transaction() as session:
            refused = refusal(deps, session, user_id, question_id)
            if refused is not None:
                return refused
            if dedupe_key and events.is_processed(session, dedupe_key):
                return None
            accept(session, question_id, suggest, deps)
            problem = _apply(session, question_id, edit)
            if problem is not None:
                raise _Undo(problem)  # the implicit accept is undone with the refused edit
            if dedupe_key:
                events.mark_processed(session, dedupe_key, now=deps.clock())
            return None
    except _Undo as undo:
        return undo.refused


class _Undo(Exception):
    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.message)
        self.refused = refused


def accept(session: Session, question_id: int, suggest: Suggester, deps: Deps) -> None:
    """Copy the suggestions into stored themes, once; a curated question is left as it is."""
    if not themes.claim_curation(session, question_id, deps.clock()):
        return
    answers = themes.answers(session, question_id)
    not_quoted = unquotable(answers)
    suggested = suggest(inputs(answers), not_quoted)
    live = {a.id for a in answers}
    for proposal in suggested.themes:
        quote = next((q for q in proposal.quote_ids if q in proposal.answer_ids), None)
        theme = themes.add_theme(
            session,
            question_id,
            suggested_label(proposal.label),
            quote if quote in live and quote not in not_quoted else None,
        )
        for answer_id in proposal.answer_ids:
            if answer_id in live:
                themes.set_theme(session, answer_id, theme.id)


def _apply(session: Session, question_id: int, edit: Edit) -> Refused | None:
    match edit:
        case Accept():
            return None
        case Rename(theme_id, label):
            return _rename(session, question_id, theme_id, label)
        case Merge(theme_id, into_id):
            return _merge(session, question_id, theme_id, into_id)
        case Move(response_id, theme_id):
            return _move(session, question_id, response_id, theme_id)
        case ChooseQuote(theme_id, response_id):
            return _choose_quote(session, question_id, theme_id, response_id)
        case MarkQuotable(response_id, not_for_quotation):
            answer = _answer(session, question_id, response_id)
            if answer is None:
                return Refused(NOT_AN_ANSWER, "answer")
            answer.not_for_quotation = not_for_quotation
            session.add(answer)
            if not_for_quotation:
                themes.clear_quote_of(session, response_id)
            return None
        case AddToNewTheme(response_id, label):
            if _answer(session, question_id, response_id) is None:
                return Refused(NOT_AN_ANSWER)
            cleaned = clean_label(label)
            if isinstance(cleaned, Refused):
                return cleaned
            existing = _theme_named(session, question_id, cleaned)
            theme = existing or themes.add_theme(session, question_id, cleaned)
            themes.set_theme(session, response_id, theme.id)
            return None


def _rename(session: Session, question_id: int, theme_id: int, label: str) -> Refused | None:
    theme = _theme(session, question_id, theme_id)
    if theme is None:
        return Refused(GONE_THEME, "theme")
    cleaned = clean_label(label)
    if isinstance(cleaned, Refused):
        return cleaned
    other = _theme_named(session, question_id, cleaned)
    if other is not None and other.id != theme.id:
        return Refused(f"This question already has a theme called “{cleaned}”; merge them instead.", "label")
    theme.label = cleaned
    session.add(theme)
    return None


def _merge(session: Session, question_id: int, theme_id: int, into_id: int) -> Refused | None:
    if theme_id == into_id:
        return Refused("Pick two different themes to merge.", "into")
    theme, into = _theme(session, question_id, theme_id), _theme(session, question_id, into_id)
    if theme is None or into is None:
        return Refused(GONE_THEME, "theme" if theme is None else "into")
    themes.merge(session, theme, into)
    return None


def _move(session: Session, question_id: int, response_id: int, theme_id: int | None) -> Refused | None:
    if _answer(session, question_id, response_id) is None:
        return Refused(NOT_AN_ANSWER, "answer")
    if theme_id is not None and _theme(session, question_id, theme_id) is None:
        return Refused(GONE_THEME, "target")
    themes.set_theme(session, response_id, theme_id)
    return None


def _choose_quote(session: Session, question_id: int, theme_id: int, response_id: int) -> Refused | None:
    theme = _theme(session, question_id, theme_id)
    if theme is None:
        return Refused(GONE_THEME, "quote")
    answer = _answer(session, question_id, response_id)
    if answer is None or themes.memberships(session, question_id).get(response_id) != theme_id:
        return Refused("A theme's quote must be one of its own answers.", "quote")
    if answer.not_for_quotation:
        return Refused("That answer is marked not for quotation.", "quote")
    theme.quote_response_id = response_id
    session.add(theme)
    return None


def _theme(session: Session, question_id: int, theme_id: int) -> Theme | None:
    theme = session.get(Theme, theme_id)
    return theme if theme is not None and theme.question_id == question_id else None


def _theme_named(session: Session, question_id: int, label: str) -> Theme | None:
    wanted = label.casefold()
    return next((t for t in themes.themes(session, question_id) if t.label.casefold() == wanted), None)


def _answer(session: Session, question_id: int, response_id: int) -> Response | None:
    answer = session.get(Response, response_id)
    if answer is None or answer.question_id != question_id or answer.deleted_at is not None:
        return None
    return answer
