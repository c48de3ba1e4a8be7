"""Text is stored faithfully and the same way on SQLite and PostgreSQL, whatever characters it carries.

U+0000 (which PostgreSQL text cannot hold) and lone surrogates (which neither backend can encode) become
U+FFFD in every text column; everything else is stored as sent.
"""

from pathlib import Path

from slack_requests import SlackSender, thread_reply_event
from sqlmodel import select
from test_cli import roundtable
from test_http_runtime import QUESTION_TS, question_id, responses  # noqa: F401
from test_workshop_loader import BASE, edited

from storage.db import Database
from storage.models import Question
from tests.factories import CHANNEL


def test_a_reply_with_a_nul_and_a_lone_surrogate_is_stored_with_replacement_characters(
    sender: SlackSender,
    database: Database,
    question_id: int,  # noqa: F811
) -> None:
    text = "before\x00after, half an emoji \ud83d, a whole one \U0001f600 and é"
    response = sender.send_event(thread_reply_event(text, thread_ts=QUESTION_TS, channel=CHANNEL))
    assert response.status_code == 200
    [stored] = responses(database)
    assert stored.question_id == question_id
    assert stored.text == "before\ufffdafter, half an emoji \ufffd, a whole one \U0001f600 and é"


def test_a_workshop_file_with_a_nul_in_a_question_loads_and_reloads_unchanged(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "nul.toml"
    path.write_text(edited('text = "First question?"', 'text = "First\\u0000question?"', BASE))
    env = {"DATABASE_URL": database_url, "ROUNDTABLE_SECRET": "s" * 32}
    assert roundtable("db", "upgrade", cwd=tmp_path, **env).returncode == 0
    first = roundtable("workshop", "load", str(path), cwd=tmp_path, **env)
    assert (first.returncode, first.stderr) == (0, "")
    again = roundtable("workshop", "load", str(path), cwd=tmp_path, **env)
    assert (again.returncode, again.stderr) == (0, "")
    assert "unchanged" in again.stdout
    db = Database.from_url(database_url)
    try:
        with db.reading() as session:
            texts = [q.text for q in session.exec(select(Question).order_by(Question.position))]
    finally:
        db.dispose()
    assert texts[0] == "First\ufffdquestion?"
