"""Polls: the rules (creation, anonymity, votes, reasons, closing), the `/roundtable poll` grammar, the
Block Kit of poll messages and forms, and keeping poll messages in Slack up to date.
"""
