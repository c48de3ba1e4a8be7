"""Poll reasons in the digest: grouped under the option chosen, in every format, named only where allowed."""

import csv
import html
import io
import json
from datetime import timedelta

import pytest
from digest_seed import (
    INVITED,
    REASON_TEXTS,
    T0,
    USERS,
    VOTER_KEYS,
    add_poll,
    add_reason,
    add_workshop,
    every_format,
    leaks,
    seed_sample,
    vote,
)
from sqlmodel import select

from bot.digest import Audience, compile_digest, render, summary_blocks
from bot.digest.model import Reason
from storage.db import Database
from storage.models import PollKind, PollReason


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_a_stored_reason_reaches_the_digest_without_attribution(database: Database) -> None:
    seed_sample(database, chatham=True)
    with database.reading() as session:
        stored = session.exec(select(PollReason).where(PollReason.text == "Storage smooths the peaks")).one()
        assert stored.user_id == "U0ADA001"  # attributed poll: the row knows who; the digest must not say
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=USERS)
    first = digest.polls[0]
    assert Reason("Storage smooths the peaks", "Storage") in first.reasons
    assert all(reason.author is None for poll in digest.polls for reason in poll.reasons)


def test_reasons_are_grouped_under_the_option_each_voter_chose_oldest_first(database: Database) -> None:
    seed_sample(database)
    attributed, pre, post, multi = compile_digest(database, "grid", audience=Audience.ORGANISERS).polls
    assert attributed.reasons == (
        Reason("Storage smooths the peaks", "Storage"),
        Reason("Cheapest per tonne", "Storage"),
        Reason("Grid first, then storage", "Grid"),
    )
    # Given "No" first, then "Yes": grouped by option order, not by time.
    assert pre.reasons == (Reason("Storage is cheap now", "Yes"), Reason("Too little time", "No"))
    assert post.reasons == ()
    # Multiple choice: one option → under it; several → once under "chose several"; no vote → last.
    assert multi.reasons == (
        Reason("Grants <work> & pay back", "Grants"),
        Reason("A mix of levers", None, several=True),
        Reason("Undecided for now", None),
    )


def test_reason_order_is_deterministic_for_equal_times(database: Database) -> None:
    with database.transaction() as s:
        w = add_workshop(s)
        poll, (a, b) = add_poll(s, w, 1, "Which?", ["A", "B"])
        for n, option in enumerate((b, a, b, a)):
            vote(s, poll, option, f"key{n}")
            add_reason(s, poll, f"key{n}", f"reason {n}")  # all at T0: insertion order breaks the tie
    reasons = compile_digest(database, "grid", audience=Audience.ORGANISERS).polls[0].reasons
    assert [(r.option, r.text) for r in reasons] == [
        ("A", "reason 1"),
        ("A", "reason 3"),
        ("B", "reason 0"),
        ("B", "reason 2"),
    ]


def test_attributed_poll_reasons_carry_names_only_outside_chatham_house(database: Database) -> None:
    seed_sample(database, chatham=False)
    names = {k: v for k, v in USERS.items() if k != "U0CORD03"}
    attributed, pre, _post, multi = compile_digest(
        database, "grid", audience=Audience.ORGANISERS, display_names=names
    ).polls
    assert [r.author for r in attributed.reasons] == ["Adaline", "Bartholomew", "U0CORD03"]
    assert all(r.author is None for poll in (pre, multi) for r in poll.reasons)  # anonymous: never


def test_reasons_show_in_every_format(database: Database) -> None:
    seed_sample(database)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    outputs = every_format(digest)
    for fmt in ("md", "pdf-text", "csv-reasons"):
        for text in REASON_TEXTS[:-1]:
            assert text in outputs[fmt], (fmt, text)
    assert "Grants <work> & pay back" in outputs["pdf-text"]
    assert "Grants <work> & pay back" in outputs["csv-reasons"]
    assert "> Grants &lt;work> & pay back\n" in outputs["md"]  # literal text, not an HTML tag
    assert (
        "**Reasons**\n\n_Storage_\n\n> Storage smooths the peaks\n\n> Cheapest per tonne\n" in outputs["md"]
    )
    assert "_Chose several_\n\n> A mix of levers" in outputs["md"]
    page = outputs["html"]
    assert '<blockquote dir="auto">Grants &lt;work&gt; &amp; pay back</blockquote>' in page
    assert '<p class="caption" dir="auto">No vote on record</p>' in page
    data = json.loads(outputs["json"])
    assert data["polls"][3]["reasons"] == [
        {"text": "Grants <work> & pay back", "option": "Grants", "several": False, "author": None},
        {"text": "A mix of levers", "option": None, "several": True, "author": None},
        {"text": "Undecided for now", "option": None, "several": False, "author": None},
    ]
    assert data["polls"][2]["reasons"] == []
    rows = _csv_rows(render(digest, "csv", table="reasons"))
    assert [(r["poll_number"], r["reason_number"], r["option_label"], r["chose_several"]) for r in rows][
        -3:
    ] == [
        ("4", "1", "Grants", "no"),
        ("4", "2", "", "yes"),
        ("4", "3", "", "no"),
    ]


def test_slack_summary_counts_reasons_without_quoting_them(database: Database) -> None:
    seed_sample(database)
    blocks = json.dumps(
        summary_blocks(compile_digest(database, "grid", audience=Audience.ORGANISERS)),
        ensure_ascii=False,
    )
    assert "3 voters · 3 reasons" in blocks
    assert "2 voters · 3 reasons" in blocks
    assert not [text for text in REASON_TEXTS if text in blocks]


@pytest.mark.parametrize("chatham", [True, False])
def test_no_format_reveals_an_anonymous_reasons_voter(database: Database, chatham: bool) -> None:
    seed_sample(database, chatham=chatham)
    outputs = every_format(
        compile_digest(database, "grid", audience=Audience.ORGANISERS, display_names=USERS)
    )
    assert leaks(outputs, sorted(VOTER_KEYS.values())) == []
    if chatham:
        assert leaks(outputs, sorted(set(INVITED) | set(USERS)) + sorted(USERS.values())) == []


def test_hostile_reason_is_escaped_in_html_and_for_slack(database: Database) -> None:
    hostile = '</blockquote><script>alert(1)</script><img src=x "onload=alert(2)>'
    with database.transaction() as s:
        w = add_workshop(s)
        poll, (a, _b) = add_poll(s, w, 1, "Why?", [hostile[:100], "ok"], kind=PollKind.MULTIPLE)
        vote(s, poll, a, "k1")
        add_reason(s, poll, "k1", hostile)
    digest = compile_digest(database, "grid", audience=Audience.ORGANISERS)
    page = render(digest, "html").decode()
    for bad in ("<script", '"onload=', "<img"):
        assert bad not in page
    assert page.count("</blockquote>") == page.count("<blockquote") == 1
    assert html.escape(hostile, quote=True) in page
    blocks = json.dumps(summary_blocks(digest))
    assert "<script" not in blocks


def test_phase_and_window_filters_apply_to_reasons(database: Database) -> None:
    seed_sample(database)
    pre = compile_digest(database, "grid", audience=Audience.ORGANISERS, phase="pre")
    assert [len(p.reasons) for p in pre.polls] == [2]
    # The votes (at T0) fall outside the window, so these reasons have no vote on record.
    windowed = compile_digest(database, "grid", audience=Audience.ORGANISERS, since=T0 + timedelta(minutes=2))
    assert {r.option for p in windowed.polls for r in p.reasons} == {None}
    assert [r.text for p in windowed.polls for r in p.reasons] == [
        "Grid first, then storage",
        "Cheapest per tonne",
        "Storage is cheap now",
        "Undecided for now",
        "Grants <work> & pay back",
    ]
