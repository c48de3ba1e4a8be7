"""JSON digest with a stable, documented schema (docs/digest-json-schema.md); keys in a fixed order."""

import json
from datetime import datetime
from typing import Any

from bot.digest import report
from bot.digest.model import Digest, PairShift, PollSection, QuestionSection
from bot.digest.render_weighin_json import opinion_groups_dict, statements_list

SCHEMA = "roundtable.digest/1"


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def digest_dict(digest: Digest) -> dict[str, Any]:
    part = digest.participation
    return {
        "schema": SCHEMA,
        "workshop": {
            "slug": digest.slug,
            "title": digest.title,
            "description": digest.description,
            "channel": digest.channel,
            "timezone": digest.timezone,
            "starts_at": _time(digest.starts_at),
            "ends_at": _time(digest.ends_at),
            "chatham_house": digest.chatham_house,
            "sector_tagging": digest.sector_tagging,
            "sector_min_group": digest.sector_min_group,
        },
        "report": {
            "intro": digest.report.intro,
            "purpose": digest.report.purpose,
            "reported_by": digest.report.reported_by,
            "participants_line": report.participants_line(digest),
            "participant_sectors": list(part.sectors),
            "executive_summary": _executive_summary(digest),
        },
        "filter": {
            "phase": digest.phase,
            "since": _time(digest.since),
            "until": _time(digest.until),
            "audience": str(digest.audience),
        },
        "summary": {
            "participants": part.participants,
            "invited": part.invited,
            "invited_participants": part.invited_participants,
            "questions": len(digest.questions),
            "responses": part.responses,
            "polls": len(digest.polls),
            "votes": part.votes,
            "by_phase": [
                {
                    "phase": p.phase,
                    "questions": p.questions,
                    "responses": p.responses,
                    "respondents": p.respondents,
                }
                for p in part.per_phase
            ],
        },
        "questions": [_question(q) for q in digest.questions],
        "polls": [_poll(p) for p in digest.polls],
        "pairs": [_pair(p) for p in digest.pairs],
        "participation": {"per_day": [{"date": d.date, "responses": d.responses} for d in part.per_day]},
        "opinion_groups": opinion_groups_dict(digest.opinion_groups),
    }


def _question(question: QuestionSection) -> dict[str, Any]:
    return {
        "number": question.number,
        "text": question.text,
        "phase": question.phase,
        "posted_at": _time(question.posted_at),
        "conclusion": question.conclusion,
        "respondents": question.respondents,
        "invited_respondents": question.invited_respondents,
        "other_respondents": question.other_respondents,
        "response_rate": question.response_rate,
        "response_count": len(question.responses),
        "key_points_suggested": any(p.suggested for p in question.key_points),
        "key_points": [
            {
                "label": p.label,
                "answer_count": p.answer_count,
                "quotes": list(p.quotes),
                "suggested": p.suggested,
            }
            for p in question.key_points
        ],
        "other_points_count": question.other_points_count,
        "responses": [
            {
                "text": r.text,
                "created_at": _time(r.created_at),
                "edited": r.edited,
                "author": r.author,
                "sector": r.sector,
            }
            for r in question.responses
        ],
        "statements": statements_list(question),
    }


def _executive_summary(digest: Digest) -> dict[str, Any]:
    questions, _ = report.executive_summary(digest)
    statements = digest.headline_statements
    return {
        "questions": questions,
        "most_agreed": list(statements.most_agreed) if statements else [],
        "most_divided": list(statements.most_divided) if statements else [],
        "poll_shifts": [report.shift_line(pair) for pair in digest.pairs],
    }


def _poll(poll: PollSection) -> dict[str, Any]:
    return {
        "number": poll.number,
        "question": poll.question,
        "kind": poll.kind,
        "anonymous": poll.anonymous,
        "phase": poll.phase,
        "pair_key": poll.pair_key,
        "state": poll.state,
        "results_withheld": poll.results_withheld,
        "total_voters": poll.total_voters,
        "total_votes": poll.total_votes,
        "mean": poll.mean,
        "options": [
            {
                "position": o.position,
                "label": o.label,
                "votes": o.votes,
                "percent": o.percent,
                "voters": list(o.voters),
            }
            for o in poll.options
        ],
        "reasons": [
            {"text": r.text, "option": r.option, "several": r.several, "author": r.author}
            for r in poll.reasons
        ],
        "by_sector": [
            {
                "sector": result.sector,
                "voters": result.voters,
                "options": [
                    {"position": o.position, "label": o.label, "votes": o.votes, "percent": o.percent}
                    for o in result.options
                ],
            }
            for result in poll.by_sector
        ],
    }


def _pair(pair: PairShift) -> dict[str, Any]:
    return {
        "pair_key": pair.pair_key,
        "question": pair.question,
        "pre_poll": pair.pre_poll,
        "post_poll": pair.post_poll,
        "both": pair.both,
        "changed": pair.changed,
        "options": [
            {
                "label": s.label,
                "pre_votes": s.pre_votes,
                "post_votes": s.post_votes,
                "pre_percent": s.pre_percent,
                "post_percent": s.post_percent,
                "change_points": s.change_points,
            }
            for s in pair.options
        ],
        "transitions": [{"from": t.from_label, "to": t.to_label, "count": t.count} for t in pair.transitions],
    }


def render_json(digest: Digest) -> str:
    # ensure_ascii=False keeps emoji and right-to-left text readable; the bytes are UTF-8.
    return json.dumps(digest_dict(digest), ensure_ascii=False, indent=2) + "\n"
