"""Weigh in: participants agree or disagree with each other's answers; the measures over those views.

The deck (Slack side): `deck` (what each person is shown next, and the group-commit write of their
clicks), `keys` (the anonymous voter key, dedupe keys, each person's order), `rounds` (a chair's
invitation, excluding an answer), `modal` and `blocks` (the modal and its Block Kit).

The measures: `bot.weighin.measures`: build a `VoteMatrix` (`VoteMatrix.from_votes`) and call
`compute_measures`, which returns frozen `Measures` (per statement seen / agree / disagree / pass,
majority, uncertain, divided, raised-but-not-tested, group-aware consensus; and the opinion groups with
their representative statements). Pure and Slack-free: no storage, no I/O; the same votes always give the
same result. The digest uses it (`bot/digest/weighin.py`, `bot/digest/polis_export.py`).
"""
