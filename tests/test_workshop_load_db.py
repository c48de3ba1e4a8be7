"""Loading workshop files into the database: idempotent, reschedules what is pending, never rewrites the past."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, func, select
from test_workshop_loader import BASE, EXAMPLE, edited

from bot.workshops.catalog import (
    LoadReport,
    WorkshopFileError,
    WorkshopNotFound,
    describe_workshop,
    list_workshops,
    load_workshop,
    parse_workshop_file,
    parse_workshop_text,
)
from storage.db import Database
from storage.models import Invitee, Poll, PollOption, PollState, PostState, Question, Role, Workshop

BEFORE_2017_EVENT = datetime(2017, 5, 1, tzinfo=UTC)
BEFORE_2030_EVENT = datetime(2030, 1, 1, tzinfo=UTC)
TABLES = (Workshop, Question, Poll, PollOption, Role, Invitee)


def load(
    database: Database, text: str = BASE, *, now: datetime = BEFORE_2030_EVENT, allow_past: bool = False
) -> LoadReport:
    return load_workshop(database, parse_workshop_text(text, source="x.toml"), now=now, allow_past=allow_past)


def row_counts(database: Database) -> dict[str, int]:
    with database.reading() as session:
        return {
            table.__name__: session.exec(select(func.count()).select_from(table)).one() for table in TABLES
        }


def workshop_row(session: Session, slug: str = "test-roundtable") -> Workshop:
    return session.exec(select(Workshop).where(Workshop.slug == slug)).one()


def questions(database: Database) -> list[Question]:
    with database.reading() as session:
        return list(session.exec(select(Question).order_by(col(Question.position))))


def mark_posted(database: Database, position: int, when: datetime) -> None:
    with database.transaction() as session:
        question = session.exec(select(Question).where(Question.position == position)).one()
        question.state, question.posted_at = PostState.POSTED, when


def test_the_example_loads_and_loading_it_again_changes_nothing(database: Database) -> None:
    spec = parse_workshop_file(EXAMPLE)
    first = load_workshop(database, spec, now=BEFORE_2017_EVENT)
    counts = row_counts(database)
    second = load_workshop(database, spec, now=BEFORE_2017_EVENT)

    assert (first.created, first.changed, first.revision) == (True, True, 1)
    assert first.summary == "Created workshop industrial-strategy: 3 questions, 2 polls."
    assert (second.created, second.changed, second.revision, second.warnings) == (False, False, 1, [])
    assert second.summary == "Workshop industrial-strategy is unchanged (revision 1)."
    assert row_counts(database) == counts == {
        "Workshop": 1, "Question": 3, "Poll": 2, "PollOption": 8, "Role": 2, "Invitee": 7,
    }  # fmt: skip
    with database.reading() as session:
        assert workshop_row(session, "industrial-strategy").source_digest == spec.digest


def test_the_example_loads_today_only_with_allow_past(database: Database) -> None:
    spec = parse_workshop_file(EXAMPLE)
    today = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(WorkshopFileError) as refused:
        load_workshop(database, spec, now=today)
    assert refused.value.lines[0] == (
        f"{EXAMPLE}: questions[0].post_at: Fri 12 May 2017 09:00 BST is in the past; "
        "load with --allow-past to record it as missed"
    )
    assert len(refused.value.lines) == 5
    assert list_workshops(database) == []  # nothing half-loaded

    report = load_workshop(database, spec, now=today, allow_past=True)
    assert report.created
    assert len(report.warnings) == 5
    assert report.warnings[0].endswith("is in the past (Fri 12 May 2017 09:00 BST); recorded as missed")
    assert {q.state for q in questions(database)} == {PostState.MISSED}
    with database.reading() as session:
        assert {p.state for p in session.exec(select(Poll))} == {PollState.MISSED}
    again = load_workshop(database, spec, now=today)  # missed items are history: no allow_past needed now
    assert (again.changed, again.revision, again.warnings) == (False, 1, [])


def test_an_old_file_reloads_without_complaint_once_its_times_are_stored(database: Database) -> None:
    spec = parse_workshop_file(EXAMPLE)
    load_workshop(database, spec, now=BEFORE_2017_EVENT)
    report = load_workshop(database, spec, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert (report.changed, report.revision) == (False, 1)


def test_editing_a_pending_question_time_reschedules_it_and_bumps_revision(database: Database) -> None:
    load(database)
    before = questions(database)
    edit_time = datetime(2030, 1, 2, tzinfo=UTC)
    report = load(
        database, edited("post_at = 2030-05-15T14:30:00", "post_at = 2030-05-15T15:00:00"), now=edit_time
    )

    assert (report.changed, report.revision, report.warnings) == (True, 2, [])
    assert report.summary == "Updated workshop test-roundtable to revision 2: 1 question updated."
    after = questions(database)
    assert after[1].id == before[1].id
    assert after[1].post_at == datetime(2030, 5, 15, 14, 0, tzinfo=UTC)
    with database.reading() as session:
        assert workshop_row(session).updated_at == edit_time


def test_editing_a_pending_question_text_updates_it_in_place(database: Database) -> None:
    load(database)
    load(database, edited("Second question?", "Second question, sharpened?"))
    assert [q.text for q in questions(database)] == [
        "First question?",
        "Second question, sharpened?",
        "Third question?",
    ]
    assert row_counts(database)["Question"] == 3


def test_a_posted_question_is_not_rewritten_and_the_report_says_so(database: Database) -> None:
    load(database)
    mark_posted(database, 1, datetime(2030, 5, 15, 13, 30, tzinfo=UTC))
    report = load(database, edited("Second question?", "Second question, reworded?"))

    assert report.warnings == [
        'question 2 ("Second question?") was already posted on Wed 15 May 2030 14:30 BST; '
        "its text in the file was not applied"
    ]
    assert (report.changed, report.revision) == (False, 1)
    assert questions(database)[1].text == "Second question?"


def test_a_posted_question_keeps_its_time_too(database: Database) -> None:
    load(database)
    mark_posted(database, 0, datetime(2030, 5, 12, 8, 0, tzinfo=UTC))
    report = load(
        database, edited('post_at = "3 days before at 09:00"', 'post_at = "2 days before at 10:00"')
    )
    assert report.warnings == [
        'question 1 ("First question?") was already posted on Sun 12 May 2030 09:00 BST; '
        "its time in the file was not applied"
    ]
    assert questions(database)[0].post_at == datetime(2030, 5, 12, 8, 0, tzinfo=UTC)


def test_removed_questions_are_deleted_unless_already_posted(database: Database) -> None:
    load(database)
    mark_posted(database, 0, datetime(2030, 5, 12, 8, 0, tzinfo=UTC))
    without_first_two = edited(
        '[[questions]]\ntext = "Second question?"\nphase = "live"\npost_at = 2030-05-15T14:30:00\nclose_at = "at end"\n\n',
        "",
        edited(
            '[[questions]]\ntext = "First question?"\nphase = "pre"\npost_at = "3 days before at 09:00"\n\n',
            "",
        ),
    )
    report = load(database, without_first_two)

    assert report.warnings == [
        'question 1 ("First question?") was already posted on Sun 12 May 2030 09:00 BST; '
        "it is no longer in the file but was kept"
    ]
    assert [(q.position, q.text) for q in questions(database)] == [
        (0, "Third question?"),
        (1, "First question?"),
    ]
    assert report.revision == 2


def test_inserting_a_question_keeps_existing_rows_and_renumbers_them(database: Database) -> None:
    load(database)
    ids = [q.id for q in questions(database)]
    new_first = (
        '[[questions]]\ntext = "Opening question?"\nphase = "pre"\npost_at = "7 days before at 09:00"\n\n'
    )
    report = load(database, edited("[[questions]]\n", new_first + "[[questions]]\n"))

    stored = questions(database)
    assert [q.text for q in stored] == [
        "Opening question?",
        "First question?",
        "Second question?",
        "Third question?",
    ]
    assert [q.id for q in stored[1:]] == ids
    assert (
        report.summary == "Updated workshop test-roundtable to revision 2: order changed, 1 question added."
    )


def test_a_time_moved_into_the_past_is_refused_and_nothing_changes(database: Database) -> None:
    load(database)
    counts = row_counts(database)
    with pytest.raises(WorkshopFileError) as refused:
        load(
            database,
            edited(
                "post_at = 2030-05-15T14:30:00",
                "post_at = 2029-12-01T09:00:00",
                edited('title = "Test roundtable"', 'title = "Renamed"'),
            ),
        )
    assert refused.value.lines == [
        "x.toml: questions[1].post_at: Sat 1 Dec 2029 09:00 GMT is in the past; load with --allow-past to record it as missed"
    ]
    assert row_counts(database) == counts
    with database.reading() as session:
        assert (workshop_row(session).title, workshop_row(session).revision) == ("Test roundtable", 1)


def test_a_scheduled_poll_gets_new_options_but_an_open_one_is_kept(database: Database) -> None:
    load(database)
    with database.transaction() as session:
        post_poll = session.exec(select(Poll).where(Poll.position == 1)).one()
        post_poll.state = PollState.OPEN
    text = BASE.replace('options = ["Yes", "Partly", "No"]', 'options = ["Yes", "No"]')
    report = load(database, text)

    assert report.warnings == ['poll 2 ("Agree?") is already open; its options in the file were not applied']
    assert report.summary == "Updated workshop test-roundtable to revision 2: 1 poll updated. 1 warning."
    with database.reading() as session:
        labels = {
            poll.position: [
                o.label
                for o in session.exec(
                    select(PollOption).where(PollOption.poll_id == poll.id).order_by(col(PollOption.position))
                )
            ]
            for poll in session.exec(select(Poll))
        }
    assert labels == {0: ["Yes", "No"], 1: ["Yes", "Partly", "No"]}


def test_roles_and_invitees_are_replaced_to_match_the_file(database: Database) -> None:
    load(database)
    text = edited(
        'chairs = ["U0456EFGH"]',
        'chairs = ["U0999ZZZZ"]\nparticipants = ["U0AAA1111"]\nsectors = { government = ["U0BBB2222"] }',
    )
    report = load(database, text)
    assert (
        report.summary == "Updated workshop test-roundtable to revision 2: roles updated, invitees updated."
    )
    with database.reading() as session:
        assert sorted((r.user_id, r.role) for r in session.exec(select(Role))) == [
            ("U0123ABCD", "organiser"),
            ("U0999ZZZZ", "chair"),
        ]
        assert sorted((i.user_id, i.sector) for i in session.exec(select(Invitee))) == [
            ("U0AAA1111", None),
            ("U0BBB2222", "government"),
        ]
    assert load(database, text).changed is False


def test_describe_shows_settings_and_the_schedule_in_local_time(database: Database) -> None:
    load_workshop(database, parse_workshop_file(EXAMPLE), now=BEFORE_2017_EVENT)
    text = describe_workshop(database, "industrial-strategy")
    lines = text.splitlines()
    assert lines[0] == "Industrial strategy and the role of place"
    assert "  event:          Mon 15 May 2017 14:00 BST to Mon 15 May 2017 17:00 BST" in lines
    assert "  Chatham House:  on" in lines
    assert "  organisers:     U0123ABCD" in lines
    assert (
        "  Fri 12 May 2017 09:00 BST  question 1 [pre, scheduled, closes Mon 15 May 2017 14:00 BST]" in lines
    )
    assert (
        '  Tue 16 May 2017 09:00 BST  poll 2 [post, pair "replicable", scheduled, closes Mon 22 May 2017 17:00 BST]'
        in lines
    )
    assert "        Yes / Partly / No / Unsure (single choice, anonymous, results hidden)" in lines


def test_describing_an_unknown_slug_is_a_clear_error(database: Database) -> None:
    load(database)
    with pytest.raises(WorkshopNotFound, match=r'^no workshop with slug "nope" \(known: test-roundtable\)$'):
        describe_workshop(database, "nope")


def test_list_workshops_returns_plain_summaries(database: Database) -> None:
    load(database)
    load_workshop(database, parse_workshop_file(EXAMPLE), now=BEFORE_2017_EVENT)
    summaries = list_workshops(database)
    assert [s.slug for s in summaries] == ["industrial-strategy", "test-roundtable"]
    assert str(summaries[0]) == (
        "industrial-strategy  Mon 15 May 2017 14:00 BST  #industrial-strategy  "
        "Industrial strategy and the role of place (revision 1)"
    )


def test_now_must_be_timezone_aware(database: Database) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        load(database, now=datetime(2030, 1, 1))


def test_a_pending_time_moved_into_the_past_with_allow_past_is_recorded_missed(database: Database) -> None:
    load(database)
    report = load(
        database,
        edited("post_at = 2030-05-15T14:30:00", "post_at = 2029-12-01T09:00:00"),
        allow_past=True,
    )
    assert report.warnings == [
        'question 2 ("Second question?") is in the past (Sat 1 Dec 2029 09:00 GMT); recorded as missed'
    ]
    assert [q.state for q in questions(database)] == [
        PostState.SCHEDULED,
        PostState.MISSED,
        PostState.SCHEDULED,
    ]


def test_several_unapplied_changes_are_listed_together(database: Database) -> None:
    load(database)
    mark_posted(database, 1, datetime(2030, 5, 15, 13, 30, tzinfo=UTC))
    text = edited("post_at = 2030-05-15T14:30:00", "post_at = 2030-05-15T15:00:00")
    report = load(database, edited('phase = "live"', 'phase = "post"', text))
    assert report.warnings == [
        'question 2 ("Second question?") was already posted on Wed 15 May 2030 14:30 BST; '
        "its phase and time in the file were not applied"
    ]


def test_a_removed_pending_poll_is_deleted_with_its_options(database: Database) -> None:
    load(database)
    text = BASE[: BASE.index('[[polls]]\nquestion = "Agree?"\noptions')]
    report = load(database, text)
    assert report.summary == "Updated workshop test-roundtable to revision 2: 2 polls removed."
    assert (row_counts(database)["Poll"], row_counts(database)["PollOption"]) == (0, 0)


def test_changing_the_event_bumps_the_revision_and_moves_offset_times(database: Database) -> None:
    load(database)
    report = load(database, edited("ends = 2030-05-15T17:00:00", "ends = 2030-05-15T18:00:00"))
    assert (
        report.summary
        == "Updated workshop test-roundtable to revision 2: details updated, 1 question updated."
    )
    with database.reading() as session:
        assert workshop_row(session).ends_at == datetime(2030, 5, 15, 17, 0, tzinfo=UTC)
        assert questions(database)[1].close_at == datetime(2030, 5, 15, 17, 0, tzinfo=UTC)


def test_failed_question_is_rescheduled_when_the_file_gives_it_a_new_time(database: Database) -> None:
    load(database)
    with database.transaction() as session:
        first = session.exec(select(Question).where(Question.position == 0)).one()
        first.state, first.error = PostState.FAILED, "channel_not_found"
    report = load(database, BASE.replace('"3 days before at 09:00"', '"4 days before at 10:00"'))
    assert report.changed
    [first, *_] = questions(database)
    assert (first.state, first.error) == (PostState.SCHEDULED, None)


def test_failed_question_left_unchanged_in_the_file_stays_failed(database: Database) -> None:
    load(database)
    with database.transaction() as session:
        first = session.exec(select(Question).where(Question.position == 0)).one()
        first.state, first.error = PostState.FAILED, "channel_not_found"
    assert not load(database).changed
    assert questions(database)[0].state == PostState.FAILED


def test_experience_settings_are_stored_on_the_workshop(database: Database) -> None:
    text = BASE.replace(
        "[workshop]\n",
        '[workshop]\nnudge_hours_before = 48\nsector_tagging = true\nsector_min_group = 4\nparticipants = "channel"\n',
        1,
    )
    load(database, text)
    with database.reading() as session:
        workshop = workshop_row(session)
    assert (workshop.nudge_hours_before, workshop.sector_tagging, workshop.sector_min_group) == (48, True, 4)
    assert workshop.invite_channel is True


def test_out_of_range_experience_settings_are_named_precisely() -> None:
    text = BASE.replace("[workshop]\n", '[workshop]\nsector_min_group = 1\nnudge_hours_before = "soon"\n', 1)
    with pytest.raises(WorkshopFileError) as failed:
        parse_workshop_text(text, source="x.toml")
    assert "x.toml: workshop.sector_min_group: must be between 2 and 100, got 1" in failed.value.lines
    assert "x.toml: workshop.nudge_hours_before: expected a whole number, got a string" in failed.value.lines


WITH_IDS = (
    BASE.replace('[[questions]]\ntext = "First', '[[questions]]\nid = "opening"\ntext = "First', 1)
    .replace('[[questions]]\ntext = "Second', '[[questions]]\nid = "live-one"\ntext = "Second', 1)
    .replace('[[questions]]\ntext = "Third', '[[questions]]\nid = "follow-up"\ntext = "Third', 1)
)


def test_an_item_with_an_id_keeps_its_row_when_reworded_and_moved(database: Database) -> None:
    load(database, WITH_IDS)
    ids = {q.file_key: q.id for q in questions(database)}
    mark_posted(database, 0, datetime(2030, 5, 12, 8, 0, tzinfo=UTC))
    without_opening = edited(
        '[[questions]]\nid = "opening"\ntext = "First question?"\nphase = "pre"\npost_at = "3 days before at 09:00"\n\n',
        "",
        WITH_IDS,
    )
    # Without ids the reworded second question, now first in the file, would take the posted first one's row.
    report = load(database, edited("Second question?", "Second question, sharpened?", without_opening))

    assert report.warnings == [
        'question 1 ("First question?") was already posted on Sun 12 May 2030 09:00 BST; '
        "it is no longer in the file but was kept"
    ]
    assert [(q.file_key, q.id, q.text, q.state) for q in questions(database)] == [
        ("live-one", ids["live-one"], "Second question, sharpened?", PostState.SCHEDULED),
        ("follow-up", ids["follow-up"], "Third question?", PostState.SCHEDULED),
        ("opening", ids["opening"], "First question?", PostState.POSTED),
    ]


def test_ids_added_to_a_loaded_file_are_recorded_on_the_rows_it_already_has(database: Database) -> None:
    load(database)
    before = [(q.id, q.text) for q in questions(database)]
    mark_posted(database, 0, datetime(2030, 5, 12, 8, 0, tzinfo=UTC))

    report = load(database, WITH_IDS)

    assert report.summary == "Updated workshop test-roundtable to revision 2: ids recorded."
    assert report.warnings == []
    assert [(q.id, q.text, q.file_key) for q in questions(database)] == [
        (row_id, text, key)
        for (row_id, text), key in zip(before, ["opening", "live-one", "follow-up"], strict=True)
    ]
    assert load(database, WITH_IDS).changed is False


def test_a_poll_with_an_id_is_matched_by_it_and_not_by_question_or_position(database: Database) -> None:
    text = BASE.replace(
        '[[polls]]\nquestion = "Agree?"', '[[polls]]\nid = "agree-pre"\nquestion = "Agree?"', 1
    )
    load(database, text)
    with database.reading() as session:
        first = session.exec(select(Poll).where(Poll.file_key == "agree-pre")).one()
    reworded = text.replace(
        'id = "agree-pre"\nquestion = "Agree?"', 'id = "agree-pre"\nquestion = "Agree now?"'
    )

    report = load(database, reworded)

    assert report.summary == "Updated workshop test-roundtable to revision 2: 1 poll updated."
    with database.reading() as session:
        polls = list(session.exec(select(Poll).order_by(col(Poll.position))))
    assert [(p.id == first.id, p.question, p.file_key) for p in polls] == [
        (True, "Agree now?", "agree-pre"),
        (False, "Agree?", None),
    ]


REPORT = '[report]\nintro = "Why we met."\npurpose = "To inform policy."\nreported_by = "The Policy Unit"\n'


def test_the_report_table_and_redact_list_are_stored_updated_and_shown(database: Database) -> None:
    text = 'redact = ["Org A"]\n' + BASE + "\n" + REPORT
    assert load(database, text).created
    with database.reading() as session:
        row = workshop_row(session)
        stored = (row.report_intro, row.report_purpose, row.report_reported_by, row.redact)
    assert stored == ("Why we met.", "To inform policy.", "The Policy Unit", ["Org A"])
    assert load(database, text).changed is False
    shown = describe_workshop(database, "test-roundtable").splitlines()
    assert "  never quoted:   Org A" in shown
    assert "  reported by:    The Policy Unit" in shown
    assert shown[shown.index("Introduction:") + 1] == "Why we met."
    assert shown[shown.index("Purpose:") + 1] == "To inform policy."

    changed = load(database, 'redact = ["Org A", "Org B"]\n' + BASE + "\n" + REPORT.replace("Why", "How"))
    assert (changed.changed, changed.revision) == (True, 2)
    assert "details updated" in changed.summary
    with database.reading() as session:
        row = workshop_row(session)
        assert (row.report_intro, row.redact) == ("How we met.", ["Org A", "Org B"])
    removed = load(database, BASE)
    assert removed.revision == 3
    with database.reading() as session:
        row = workshop_row(session)
        assert (row.report_intro, row.report_purpose, row.report_reported_by, row.redact) == ("", "", "", [])
