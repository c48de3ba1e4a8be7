"""Curating a question's themes in Slack (issue 14): `themes` (the rules and `effective_themes`, which the
digest reads), `forms` (what the modals show), `blocks` (Block Kit), `suggestions` (where the suggested
themes come from). Nothing is imported here, so bot.runtime.deps can import `suggestions` without a cycle."""
