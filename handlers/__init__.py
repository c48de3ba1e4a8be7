"""Slack listeners, one module per surface; `register` wires them all onto the app."""

from slack_bolt.async_app import AsyncApp

from bot.runtime.deps import Deps
from handlers import actions, commands, curation, events, home, views, weighin


def register(app: AsyncApp, deps: Deps) -> None:
    events.register(app, deps)
    commands.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    home.register(app, deps)
    weighin.register(app, deps)
    curation.register(app, deps)
