"""Roundtable: app wiring, settings, scheduler, CLI and the Slack-free domain rules."""
