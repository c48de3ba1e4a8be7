"""Bolt tries listeners in registration order, building its keyword arguments for each one it tries:
the surfaces a room hits in bursts (thread replies, vote clicks, deck clicks) are registered first."""

from pathlib import Path

from fakeslack import FakeSlack

from bot.runtime.app import create_app
from bot.runtime.deps import build_deps
from bot.runtime.settings import load_settings
from tests.botserver import bot_settings


def listeners_in_the_order_bolt_tries_them(tmp_path: Path, fake_slack: FakeSlack) -> list[str]:
    url = f"sqlite:///{tmp_path / 'listeners.db'}"
    deps = build_deps(load_settings(**bot_settings(url, fake_slack.api_url, fake_slack.token)))
    try:
        app = create_app(deps)
        return [listener.ack_function.__qualname__ for listener in app._async_listeners]
    finally:
        deps.close()


def test_replies_votes_and_deck_clicks_are_matched_before_the_rarer_surfaces(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    tried = listeners_in_the_order_bolt_tries_them(tmp_path, fake_slack)
    assert tried[0] == "Events.message"
    # A vote click tries only the three event listeners before its own.
    assert tried.index("PollActions.vote") == 3
    # Agree / Disagree / Pass are one listener, ahead of commands, modals, App Home and curation.
    assert tried.count("Weighin.choose") == 1
    hot = tried.index("Weighin.choose")
    rare = ("Commands.roundtable", "PollViews.create_submitted", "Home.opened", "Curation.add_to_theme")
    assert all(hot < tried.index(name) for name in rare)
    assert tried.count("Events.uninstalled") == 1  # app_uninstalled and tokens_revoked share one
