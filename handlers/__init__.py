"""Slack listeners, one module per surface; `register` wires them all onto the app."""

from slack_bolt.async_app import AsyncApp

from bot.runtime.deps import Deps
from handlers import actions, commands, curation, events, home, views, weighin


def register(app: AsyncApp, deps: Deps) -> None:
    # Bolt tries listeners in the order they were registered and builds its keyword arguments (~9 µs)
    # for every one it tries, so the surfaces a room hits in bursts come first: thread replies (events),
    # vote clicks (actions), deck clicks (weighin). bench/RESULTS.md, round 3, has the measurement.
    events.register(app, deps)
    actions.register(app, deps)
    weighin.register(app, deps)
    commands.register(app, deps)
    views.register(app, deps)
    home.register(app, deps)
    curation.register(app, deps)
