"""Compiling a digest from the database: counts, ordering, filters, pairs and the query budget."""

import json
from datetime import timedelta

import pytest
from digest_seed import (
    T0,
    USERS,
    add_poll,
    add_question,
    add_reason,
    add_response,
    add_workshop,
    every_format,
    seed_sample,
    vote,
)
from sqlalchemy import event

from bot.digest import Audience, DigestError, WorkshopNotFound, compile_digest, render
from bot.digest.model import OptionShift, Transition
from storage.db import Database
from storage.models import Invitee, Phase, PollKind, PollState


def test_unknown_slug_raises_workshop_not_found_naming_the_slug(database: Database) -> None:
    with pytest.raises(WorkshopNotFound, match="no-such-roundtable"):
        compile_digest(database, "no-such-roundtable", audience=Audience.ORGANISERS)


def test_unknown_phase_or_naive_window_is_a_digest_error(database: Database) -> None:
    seed_sample(database)
    with pytest.raises(DigestError, match="phase"):
        compile_digest(database, "grid", audience=Audience.ORGANISERS, phase="during")
    with pytest.raises(DigestError, match="since"):
        compile_digest(database, "grid", audience=Audience.ORGANISERS, since=T0.replace(tzinfo=None))


def test_questions_come_in_workshop_order_with_responses_oldest_first(database: Database) -> None:
    seed_sample(database)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    assert [q.text for q in digest.questions] == [
        "What should the grid prioritise?",
        "What blocks delivery?",
        "What did we miss?",
    ]  # the never-posted question without answers is left out
    assert [q.phase for q in digest.questions] == ["pre", "live", "post"]
    second = digest.questions[1]
    assert [r.text for r in second.responses] == [
        "Planning reform a participant",
        "Skills, see the report (https://example.org/skills)",
    ]
    assert second.conclusion == "Planning is the bottleneck."
    assert digest.questions[0].conclusion is None


def test_deleted_responses_are_absent_and_edited_ones_show_the_edit(database: Database) -> None:
    seed_sample(database)
    first = compile_digest(database, "grid", audience=Audience.ORGANISERS).questions[0]
    assert [(r.text, r.edited) for r in first.responses] == [
        ("Storage, as a participant said", False),
        ("Interconnectors & demand response", True),
    ]


def test_headline_numbers_and_response_rates_use_the_invitee_list(database: Database) -> None:
    seed_sample(database)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    part = digest.participation
    # Respondents U1, U2, U4 plus the attributed voter U3 (whose only response was deleted).
    assert (part.participants, part.invited, part.invited_participants) == (4, 5, 4)
    assert (part.responses, part.votes) == (4, 3 + 4 + 4 + 3)
    assert [q.respondents for q in digest.questions] == [2, 2, 0]
    assert [q.response_rate for q in digest.questions] == [40.0, 40.0, 0.0]
    assert [(p.phase, p.questions, p.responses, p.respondents) for p in part.per_phase] == [
        ("pre", 1, 2, 2),
        ("live", 1, 2, 2),
        ("post", 1, 0, 0),
    ]


def test_a_questions_response_rate_counts_invitees_only_and_others_separately(database: Database) -> None:
    # 2 invitees; one of them and two people who were not invited answered: 1 of 2 (50%), 2 others.
    with database.transaction() as s:
        w = add_workshop(s)
        s.add_all(Invitee(workshop_id=w.id, user_id=user) for user in ("U0INVITED1", "U0INVITED2"))
        q = add_question(s, w, 1, "Who answers?")
        for n, user in enumerate(("U0INVITED1", "U0OUTSIDE1", "U0OUTSIDE2")):
            add_response(s, q, user, f"answer {n}", T0 + timedelta(minutes=n))
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    (question,) = digest.questions
    assert (question.respondents, question.invited_respondents, question.other_respondents) == (3, 1, 2)
    assert question.response_rate == 50.0
    part = digest.participation
    assert (part.participants, part.invited, part.invited_participants) == (3, 2, 1)
    (data,) = json.loads(render(digest, "json"))["questions"]
    assert (data["respondents"], data["invited_respondents"], data["other_respondents"]) == (3, 1, 2)
    assert data["response_rate"] == 50.0
    outputs = every_format(digest)
    assert "1 of 2 invited answered (50.0%) · 2 others answered" in outputs["md"]
    assert "1 of 2 invited answered (50.0%) · 2 others answered" in outputs["html"]
    assert "| 1. Who answers? | 3 | 3 | 1 of 2 | 50.0% | 2 |" in outputs["md"]
    assert "invitees who answered — 1: 50.0%" in outputs["blocks"]
    assert [fmt for fmt, text in outputs.items() if "150.0" in text or "150%" in text] == []


def test_without_an_invitee_list_the_rate_is_of_participants_and_nobody_is_other(database: Database) -> None:
    with database.transaction() as s:
        w = add_workshop(s)
        first, second = add_question(s, w, 1, "First?"), add_question(s, w, 2, "Second?")
        for n, user in enumerate(("U1", "U2")):
            add_response(s, first, user, f"answer {n}", T0)
        add_response(s, second, "U1", "only one", T0)
    questions = compile_digest(database, "grid", audience=Audience.ORGANISERS).questions
    assert [(q.response_rate, q.invited_respondents, q.other_respondents) for q in questions] == [
        (100.0, None, None),
        (50.0, None, None),
    ]


def test_responses_per_day_are_counted_in_the_workshop_timezone(database: Database) -> None:
    seed_sample(database)
    per_day = compile_digest(database, "grid", audience=Audience.ORGANISERS).participation.per_day
    # 03:00 UTC on 5 March is still 4 March in New York.
    assert [(d.date, d.responses) for d in per_day] == [("2025-03-03", 2), ("2025-03-04", 2)]


def test_poll_counts_percentages_and_voter_totals(database: Database) -> None:
    seed_sample(database)
    polls = compile_digest(database, "grid", audience=Audience.ORGANISERS).polls
    assert [(p.question, p.total_voters, p.total_votes) for p in polls] == [
        ("Which first?", 3, 3),
        ("Is net zero by 2030 achievable?", 4, 4),
        ("Is net zero by 2030 achievable?", 4, 4),
        ("Which levers?", 2, 3),
    ]
    assert [(o.label, o.votes, o.percent) for o in polls[0].options] == [
        ("Storage", 2, 66.7),
        ("Grid", 1, 33.3),
        ("Demand", 0, 0.0),
    ]
    # Multiple choice: shares are of voters, so they can add up to more than 100%.
    assert [(o.votes, o.percent) for o in polls[3].options] == [(1, 50.0), (2, 100.0), (0, 0.0)]


def test_pre_post_shift_matches_the_hand_computed_case(database: Database) -> None:
    seed_sample(database)
    (pair,) = compile_digest(database, "grid", audience=Audience.ORGANISERS).pairs
    assert (pair.pair_key, pair.pre_poll, pair.post_poll) == ("nz", 2, 3)
    assert pair.options == (
        OptionShift("Yes", 1, 3, 25.0, 75.0, 50.0),
        OptionShift("No", 2, 1, 50.0, 25.0, -25.0),
        OptionShift("Unsure", 1, 0, 25.0, 0.0, -25.0),
    )
    # hmac1 Yes→Yes, hmac2 No→Yes, hmac3 Unsure→No; hmac4 only before, hmac5 only after.
    assert (pair.both, pair.changed) == (3, 2)
    assert pair.transitions == (
        Transition("Yes", "Yes", 1),
        Transition("No", "Yes", 1),
        Transition("Unsure", "No", 1),
    )


def test_scale_polls_report_the_mean_position(database: Database) -> None:
    with database.transaction() as s:
        w = add_workshop(s)
        poll, options = add_poll(s, w, 1, "How urgent?", ["1", "2", "3", "4", "5"], kind=PollKind.SCALE)
        for key, index in (("a", 0), ("b", 3), ("c", 4), ("d", 4)):
            vote(s, poll, options[index], key)
    (section,) = compile_digest(database, "grid", audience=Audience.ORGANISERS).polls
    assert section.mean == 3.75


def test_phase_filter_keeps_only_that_phase(database: Database) -> None:
    seed_sample(database)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, phase="pre")
    assert [q.phase for q in digest.questions] == ["pre"]
    assert [p.phase for p in digest.polls] == ["pre"]
    assert digest.pairs == ()
    live = compile_digest(database, "grid", audience=Audience.ORGANISERS, phase="live")
    # Polls without a phase are ad-hoc polls during the event.
    assert [p.question for p in live.polls] == ["Which first?", "Which levers?"]


def test_since_and_until_keep_responses_created_in_the_window(database: Database) -> None:
    seed_sample(database)
    digest = compile_digest(
        database, "grid", audience=Audience.ORGANISERS, since=T0, until=T0 + timedelta(hours=12)
    )
    assert [len(q.responses) for q in digest.questions] == [0, 1, 0]
    assert digest.since is not None
    assert digest.since.utcoffset() == timedelta(hours=-5)


def test_unposted_poll_without_votes_is_left_out(database: Database) -> None:
    with database.transaction() as s:
        w = add_workshop(s)
        poll, _ = add_poll(s, w, 1, "Later", ["a", "b"])
        poll.state = PollState.SCHEDULED
        add_question(s, w, 1, "Asked", Phase.LIVE)
    assert compile_digest(database, "grid", audience=Audience.ORGANISERS).polls == ()


def test_attributed_workshop_uses_display_names_falling_back_to_user_ids(database: Database) -> None:
    seed_sample(database, chatham=False)
    names = {k: v for k, v in USERS.items() if k != "U0DESM04"}
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=names)
    authors = [r.author for q in digest.questions for r in q.responses]
    assert authors == ["Adaline", "Bartholomew", "Adaline", "U0DESM04"]
    assert digest.questions[0].responses[0].text == "Storage, as Bartholomew said"
    attributed, pre, _post, multi = digest.polls
    assert [o.voters for o in attributed.options] == [("Adaline", "Bartholomew"), ("Cordelia",), ()]
    assert all(o.voters == () for poll in (pre, multi) for o in poll.options)  # anonymous: never


def test_chatham_house_workshop_names_nobody(database: Database) -> None:
    seed_sample(database, chatham=True)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=USERS)
    assert all(r.author is None for q in digest.questions for r in q.responses)
    assert all(o.voters == () for p in digest.polls for o in p.options)


def test_compiling_takes_the_same_number_of_queries_for_any_size(database: Database) -> None:
    def queries_for(slug: str, size: int) -> int:
        with database.transaction() as s:
            w = add_workshop(s, slug, sector_tagging=True)
            s.add_all(Invitee(workshop_id=w.id, user_id=f"U{n}", sector=f"s{n % 3}") for n in range(size * 3))
            for position in range(size):
                q = add_question(s, w, position, f"Q{position}")
                for n in range(size):
                    add_response(s, q, f"U{n}", "answer", T0)
                poll, options = add_poll(
                    s, w, position, f"P{position}", ["a", "b"], pair_key=f"k{position}", phase=Phase.PRE
                )
                for n in range(size):
                    vote(s, poll, options[n % 2], f"v{n}")
                    add_reason(s, poll, f"v{n}", "because")
                attributed, choices = add_poll(
                    s, w, size + position, f"A{position}", ["a", "b"], anonymous=False
                )
                for n in range(size):
                    vote(s, attributed, choices[n % 2], f"U{n}", user_id=f"U{n}")
        statements: list[str] = []

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(database.engine, "before_cursor_execute", record)
        try:
            compile_digest(database, slug, audience=Audience.ORGANISERS)
        finally:
            event.remove(database.engine, "before_cursor_execute", record)
        return len(statements)

    assert queries_for("small", 1) == queries_for("large", 12)
    large = compile_digest(database, "large", audience=Audience.ORGANISERS)
    assert all(len(poll.reasons) == 12 for poll in large.polls if poll.anonymous)
    assert all(poll.by_sector for poll in large.polls if not poll.anonymous)


def test_the_workshops_report_framing_reaches_the_digest_and_a_question_with_one_answer_has_no_themes(
    database: Database,
) -> None:
    with database.transaction() as s:
        w = add_workshop(
            s,
            report_intro="Why we met.",
            report_purpose="To inform.",
            report_reported_by="Unit",
            redact=["Org A"],
        )
        q = add_question(s, w, 1, "Where next?")
        add_response(s, q, "U0AAA0001", "Storage first.", T0)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    assert (digest.report.intro, digest.report.purpose, digest.report.reported_by) == (
        "Why we met.",
        "To inform.",
        "Unit",
    )
    # Fewer than six answers get no themes: the answer is an other point and the digest points to the appendix.
    assert (digest.questions[0].key_points, digest.questions[0].other_points_count) == ((), 1)
    assert "Participants gave 1 answer, listed in full in the appendix." in render(digest, "md").decode()
