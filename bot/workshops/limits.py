"""What a question or a poll may contain: one set of limits for workshop files and for `/roundtable poll`.

The limits keep every posted message inside Slack's Block Kit limits, so nothing is ever cut when it is posted:
a question is shown in a section block (3,000 characters of mrkdwn, counted after `&`, `<` and `>` are
escaped), and a poll option is the text of a button or of a menu option (75 characters). Each check returns
`Problem`s that say what is wrong twice: as the end of a workshop file line (`polls[0].options[2]: …`) and as
the sentence `/roundtable poll` and the poll form show. Whether a text is present at all is for the caller to
say (a file reports a missing key, the command shows its usage).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from bot.text import escape
from storage.models import PollKind

SECTION_TEXT = 3000  # Slack's limit for a section block's text
MAX_QUESTION_LENGTH = 2000  # a question's own text, for questions and polls alike
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_OPTION_LENGTH = 75  # Slack's limit for a button's text, and for a menu option's
DEFAULT_OPTIONS = ("Yes", "No")
AGREEMENT_SCALE = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")
_MARKUP = 2  # a poll's question is shown in bold: `*…*`


@dataclass(frozen=True, slots=True)
class Problem:
    field: str  # the file key and the form field at fault: "text", "question" or "options"
    index: int | None  # the option at fault, counted from 0
    detail: str  # for a workshop file line, after "path: "
    sentence: str  # for the inline grammar and the form

    @property
    def path(self) -> str:
        return self.field if self.index is None else f"{self.field}[{self.index}]"


def question_problems(text: str, *, field: str = "text") -> list[Problem]:
    """A question's text: at most MAX_QUESTION_LENGTH characters, and it must fit a section once escaped."""
    if len(text) > MAX_QUESTION_LENGTH:
        return [
            Problem(
                field,
                None,
                f"is {len(text)} characters; at most {MAX_QUESTION_LENGTH} allowed",
                f"The question is {len(text)} characters; the limit is {MAX_QUESTION_LENGTH}.",
            )
        ]
    escaped, budget = len(escape(text)), SECTION_TEXT - _MARKUP
    if escaped > budget:
        return [
            Problem(
                field,
                None,
                f"is {escaped} characters once &, < and > are escaped for Slack; at most {budget} fit",
                f"The question is {escaped} characters once &, < and > are escaped for Slack; "
                f"the limit is {budget}.",
            )
        ]
    return []


def poll_problems(
    question: str, options: Sequence[str] | None, kind: PollKind
) -> tuple[tuple[str, ...], list[Problem]]:
    """The options a poll gets (the defaults when `options` is None), and every rule its input breaks.

    Problems come in the order the inline grammar reports them (it shows only the first).
    """
    problems = question_problems(question, field="question")
    labels = tuple(options or ())
    if kind == PollKind.SCALE:
        if labels:
            problems.append(
                Problem(
                    "options",
                    None,
                    "a scale poll has fixed options (Strongly disagree … Strongly agree); leave options out",
                    "An agreement-scale poll has fixed options (Strongly disagree … Strongly agree); "
                    "leave the options out.",
                )
            )
        return AGREEMENT_SCALE, problems
    if options is None:
        return DEFAULT_OPTIONS, problems
    for index, label in enumerate(labels):
        if not label.strip():
            problems.append(Problem("options", index, "must not be empty", f"Option {index + 1} is empty."))
        elif len(label) > MAX_OPTION_LENGTH:
            problems.append(
                Problem(
                    "options",
                    index,
                    f"is {len(label)} characters; Slack buttons allow at most {MAX_OPTION_LENGTH}",
                    f"Option {index + 1} is {len(label)} characters; "
                    f"Slack buttons allow at most {MAX_OPTION_LENGTH}.",
                )
            )
    if not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS:
        detail = f"{len(labels)} given; a poll needs {MIN_OPTIONS} to {MAX_OPTIONS} options"
        if len(labels) > MAX_OPTIONS:
            sentence = f"A poll can have at most {MAX_OPTIONS} options; {len(labels)} were given."
        else:
            given = f"only “{escape(labels[0])}” was given" if labels else "none were given"
            sentence = (
                f"A poll needs at least {MIN_OPTIONS} options; {given}. "
                "Add more after `|`, or give none for Yes / No."
            )
        problems.append(Problem("options", None, detail, sentence))
    seen: dict[str, int] = {}
    for index, label in enumerate(labels):
        key = " ".join(label.casefold().split())
        if len(label) > MAX_OPTION_LENGTH:
            continue  # reported already, and not worth quoting
        if key and key in seen:
            problems.append(
                Problem(
                    "options",
                    index,
                    f'duplicate option "{label}"',
                    f"Option {index + 1} (“{escape(label)}”) repeats option {seen[key] + 1}.",
                )
            )
        seen.setdefault(key, index)
    return labels, problems
