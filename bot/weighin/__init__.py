"""Weigh in: the measures over the room's agree / disagree / pass votes on each other's answers.

The public face is `bot.weighin.measures`: build a `VoteMatrix` (`VoteMatrix.from_votes`) and call
`compute_measures`, which returns frozen `Measures` (per statement seen / agree / disagree / pass,
majority, uncertain, divided, raised-but-not-tested, group-aware consensus; and the opinion groups with
their representative statements). Pure and Slack-free: no storage, no I/O; the same votes always give the
same result. The digest uses it (`bot/digest/weighin.py`, `bot/digest/polis_export.py`).
"""
