"""What the curation modals show, role-checked before they open, and the "Add to theme…" shortcut. Slack-free.

`overview` is the state of one question's themes (curated, or the suggestions); `add_prompt` finds the
stored answer behind a Slack message and the themes it can join; `add_to_theme` stores that choice.
"""

from dataclasses import dataclass

from sqlmodel import Session

from bot.curation import themes as rules
from bot.curation.suggestions import Suggester
from bot.runtime.deps import Deps
from storage import questions, responses, themes
from storage.models import Response

NOT_AN_ANSWER_MESSAGE = (
    "That message is not a stored answer to a Roundtable question: only replies in a question's thread "
    "can be added to a theme."
)
PICK_ONE = "Pick a theme or name a new one."
SUGGESTED_PREFIX = "s"  # option values: "s<position>" a suggested theme, "t<id>" a stored theme


@dataclass(frozen=True, slots=True)
class AnswerLine:
    response_id: int
    text: str
    theme_id: int | None
    not_for_quotation: bool


@dataclass(frozen=True, slots=True)
class ThemeLine:
    theme_id: int | None  # None: a suggestion, not stored yet
    label: str
    answer_ids: tuple[int, ...]
    quote_id: int | None


@dataclass(frozen=True, slots=True)
class Overview:
    question_id: int
    question_text: str
    curated: bool
    themes: tuple[ThemeLine, ...]
    other_ids: tuple[int, ...]
    answers: tuple[AnswerLine, ...]  # every answer, oldest first

    def text_of(self, response_id: int) -> str:
        return next((a.text for a in self.answers if a.response_id == response_id), "")


def overview(deps: Deps, user_id: str, question_id: int, suggest: Suggester) -> Overview | rules.Refused:
    with deps.db.reading() as session:
        refused = rules.refusal(deps, session, user_id, question_id)
        return refused if refused is not None else read_overview(session, question_id, suggest)


def read_overview(session: Session, question_id: int, suggest: Suggester) -> Overview:
    question = questions.get(session, question_id)
    answers = themes.answers(session, question_id)
    member_of = themes.memberships(session, question_id)
    lines = tuple(
        AnswerLine(a.id or 0, a.text, member_of.get(a.id or 0), a.not_for_quotation) for a in answers
    )
    effective = rules.effective_themes(session, question_id, suggest)
    if effective.curated:
        order = [a.response_id for a in lines]
        theme_lines = tuple(
            ThemeLine(
                t.id,
                t.label,
                tuple(a for a in order if member_of.get(a) == t.id),
                t.quote_response_id,
            )
            for t in themes.themes(session, question_id)
        )
    else:
        theme_lines = tuple(ThemeLine(None, t.label, t.answer_ids, t.quote_id) for t in effective.themes)
    return Overview(
        question_id,
        question.text if question else "",
        effective.curated,
        theme_lines,
        effective.other_ids,
        lines,
    )


@dataclass(frozen=True, slots=True)
class AddPrompt:
    response_id: int
    answer_text: str
    current_theme: str | None
    options: tuple[tuple[str, str], ...]  # (value, label)
    suggested_labels: tuple[str, ...]  # the suggestions shown, when the question is not curated yet


def add_prompt(
    deps: Deps, user_id: str, channel_id: str, message_ts: str, suggest: Suggester
) -> AddPrompt | rules.Refused:
    """The "Add to theme…" form for the answer posted as (channel, ts), if `user_id` may curate it."""
    with deps.db.reading() as session:
        answer = responses.by_message(session, channel_id, message_ts) if channel_id and message_ts else None
        if answer is None or answer.id is None or answer.deleted_at is not None:
            return rules.Refused(NOT_AN_ANSWER_MESSAGE)
        refused = rules.refusal(deps, session, user_id, answer.question_id)
        if refused is not None:
            return refused
        state = read_overview(session, answer.question_id, suggest)
    current = next((t.label for t in state.themes if answer.id in t.answer_ids), None)
    if state.curated:
        options = tuple((f"t{t.theme_id}", t.label) for t in state.themes)
        labels: tuple[str, ...] = ()
    else:
        options = tuple((f"{SUGGESTED_PREFIX}{i}", t.label) for i, t in enumerate(state.themes))
        labels = tuple(t.label for t in state.themes)  # already cut to MAX_LABEL
    return AddPrompt(answer.id, answer.text, current, options, labels)


def add_to_theme(
    deps: Deps,
    user_id: str,
    response_id: int,
    choice: str | None,
    new_label: str | None,
    suggested_labels: tuple[str, ...],
    suggest: Suggester,
    dedupe_key: str | None = None,
) -> rules.Refused | None:
    """Store the shortcut's choice: an existing theme (`choice`) or a new one named `new_label`."""
    named = " ".join((new_label or "").split())
    if bool(choice) == bool(named):
        return rules.Refused(PICK_ONE if not choice else f"{PICK_ONE[:-1]}, not both.", "new_label")
    with deps.db.reading() as session:
        answer = session.get(Response, response_id)
        if answer is None or answer.deleted_at is not None:
            return rules.Refused(rules.NOT_AN_ANSWER)
        question_id = answer.question_id
    edit: rules.Edit
    if named:
        edit = rules.AddToNewTheme(response_id, named)
    else:
        kind, number = str(choice)[:1], str(choice)[1:]
        if not (number.isascii() and number.isdigit() and len(number) < 10):
            return rules.Refused(rules.GONE_THEME, "theme")
        if kind == "t":
            edit = rules.Move(response_id, int(number))
        elif kind == SUGGESTED_PREFIX and int(number) < len(suggested_labels):
            # Suggested when the form opened: the edit accepts the suggestions (if nobody has since),
            # then joins the theme of the label shown (AddToNewTheme reuses a theme of that name).
            edit = rules.AddToNewTheme(response_id, suggested_labels[int(number)])
        else:
            return rules.Refused(rules.GONE_THEME, "theme")
    return rules.apply_edit(deps, user_id, question_id, edit, suggest, dedupe_key)
