"""The report's key points: suggested themes until a rapporteur curates them, quotes that name nobody."""

from datetime import timedelta

from digest_seed import T0, add_question, add_response, add_workshop
from theme_fixtures import CAMBRIDGE_ANSWERS, CAMBRIDGE_QUESTION, TRANSPORT

from bot.digest import Audience, compile_digest, render
from bot.digest.model import QuestionSection
from storage import themes
from storage.db import Database
from storage.models import Response, ResponseSource

PEOPLE = [f"U0PERSON{n:03d}" for n in range(40)]


def seed(database: Database, **workshop: object) -> list[int]:
    """The hand-labelled Cambridge answers in one question's thread; returns their ids, oldest first."""
    with database.transaction() as s:
        w = add_workshop(s, **workshop)
        q = add_question(s, w, 1, CAMBRIDGE_QUESTION)
        rows = [
            add_response(s, q, PEOPLE[n], text, T0 + timedelta(minutes=n), source=ResponseSource.THREAD)
            for n, (_, text) in enumerate(CAMBRIDGE_ANSWERS)
        ]
        s.flush()
        return [row.id for row in rows if row.id is not None]


def only_question(database: Database, **options: object) -> QuestionSection:
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, **options)  # type: ignore[arg-type]
    return digest.questions[0]


def all_quotes(question: QuestionSection) -> list[str]:
    return [quote for point in question.key_points for quote in point.quotes]


def test_a_question_with_enough_answers_gets_suggested_themes_labelled_and_quoted_from_its_answers(
    database: Database,
) -> None:
    seed(database)
    question = only_question(database)
    answers = [text for _, text in CAMBRIDGE_ANSWERS]
    assert len(question.key_points) >= 2
    assert all(point.suggested and point.answer_count >= 3 for point in question.key_points)
    assert sum(p.answer_count for p in question.key_points) + question.other_points_count == len(answers)
    assert all(any(quote in answer for answer in answers) for quote in all_quotes(question))
    markdown = render(compile_digest(database, "grid", audience=Audience.ORGANISERS), "md").decode()
    assert "Suggested themes" in markdown
    assert compile_digest(database, "grid", audience=Audience.ORGANISERS).questions == (question,)  # stable


def test_curated_themes_replace_the_suggestions_and_an_answer_not_for_quotation_is_never_quoted(
    database: Database,
) -> None:
    ids = seed(database)
    with database.transaction() as s:
        question_id = s.get(Response, ids[0]).question_id  # type: ignore[union-attr]
        themes.claim_curation(s, question_id, T0)
        rail = themes.add_theme(s, question_id, "Rail and buses", quote_response_id=ids[2])
        for answer_id in (ids[2], ids[5], ids[11]):
            themes.set_theme(s, answer_id, rail.id)
        marked = s.get(Response, ids[2])
        assert marked is not None
        marked.not_for_quotation = True
    question = only_question(database)
    assert [(p.label, p.answer_count, p.suggested) for p in question.key_points] == [
        ("Rail and buses", 3, False)
    ]
    assert all_quotes(question) == []  # its chosen quote is marked not for quotation
    assert question.other_points_count == len(CAMBRIDGE_ANSWERS) - 3
    assert (
        "Key points" in render(compile_digest(database, "grid", audience=Audience.ORGANISERS), "md").decode()
    )


def test_an_answer_naming_a_participant_is_never_quoted_even_under_the_chatham_house_rule(
    database: Database,
) -> None:
    ids = seed(database)
    with database.transaction() as s:
        for answer_id, (theme, _) in zip(ids, CAMBRIDGE_ANSWERS, strict=True):
            if theme == TRANSPORT:
                answer = s.get(Response, answer_id)
                assert answer is not None
                answer.text = f"Priya Shah is right. {answer.text}"
    assert any("Priya Shah" in quote for quote in all_quotes(only_question(database)))  # nobody known
    # Slack's directory knows the participant: no quote carries her name, and nothing is altered.
    question = only_question(database, known_names=("Priya Shah",))
    assert not any("Priya" in quote or "Shah" in quote for quote in all_quotes(question))
    assert all_quotes(question)
    assert not any("Priya" in point.label or "Shah" in point.label for point in question.key_points)


def test_the_channel_digest_draws_no_theme_or_quote_from_private_answers(database: Database) -> None:
    ids = seed(database)
    secret = "Confidentially our fund is pulling out of the eastern region entirely next year."
    with database.transaction() as s:
        for answer_id in ids[:12]:  # a dozen private answers sharing distinctive words
            private = s.get(Response, answer_id)
            assert private is not None
            private.source, private.channel_id, private.message_ts = ResponseSource.PRIVATE, None, None
            private.text = secret
    organisers = only_question(database)
    channel = compile_digest(database, "grid", audience=Audience.CHANNEL).questions[0]
    assert sum(p.answer_count for p in organisers.key_points) + organisers.other_points_count == len(ids)
    assert not any(
        "confidentially" in p.label.lower() or "pulling" in p.label.lower() for p in channel.key_points
    )
    assert not any(secret in quote for quote in all_quotes(channel))
    assert sum(p.answer_count for p in channel.key_points) + channel.other_points_count == len(ids) - 12
