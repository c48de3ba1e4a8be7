"""Driving the weigh-in deck as a participant does: open it from a button, click inside the modal, read
what the fake Slack now shows. Shared by the deck tests."""

import json
from typing import Any

from fakeslack import FakeSlack
from slack_requests import SlackSender, block_actions, view_block_actions

from bot.weighin import blocks
from tests.factories import CHANNEL

AGREE, DISAGREE, PASS = "weighin.agree", "weighin.disagree", "weighin.pass"


def view_text(view: dict[str, Any]) -> str:
    """Every piece of text a modal shows, in order."""
    return json.dumps(view.get("blocks") or [], ensure_ascii=False)


class OpenDeck:
    """One person's weigh-in modal in the fake Slack."""

    def __init__(self, sender: SlackSender, fake: FakeSlack, user: str) -> None:
        self.sender, self.fake, self.user = sender, fake, user
        self.view_id = ""

    def open(self, scope: str, *, message_ts: str | None = None) -> "OpenDeck":
        """Click a Weigh in button (`q:ID` on a question message, `w:ID` on the App Home)."""
        before = len(self.fake.calls("views.open"))
        payload = block_actions(
            blocks.OPEN_ACTION, value=scope, user_id=self.user, channel_id=CHANNEL, message_ts=message_ts
        )
        assert self.sender.send_interaction(payload).status_code == 200
        call = self.fake.calls("views.open")[before]
        assert call.ok, call.response
        self.view_id = str(call.response["view"]["id"])  # type: ignore[index]
        return self

    @property
    def view(self) -> dict[str, Any]:
        return self.fake.views[self.view_id]

    @property
    def text(self) -> str:
        return view_text(self.view)

    @property
    def shown(self) -> int | None:
        """The answer id on the card, or None on the end or review view."""
        for block in self.view["blocks"]:
            if str(block.get("block_id", "")).startswith("weighin.card."):
                return int(block["block_id"].rsplit(".", 1)[1])
        return None

    def payload(self, action_id: str, value: str | None = None) -> dict[str, Any]:
        """The click as Slack would send it from the view shown now (its id, hash and state)."""
        if value is None and self.shown is not None:
            value = str(self.shown)
        return view_block_actions(action_id, self.view, value=value or "0", user_id=self.user)

    def send(self, payload: dict[str, Any], **options: Any) -> None:
        assert self.sender.send_interaction(payload, **options).status_code == 200

    def click(self, action_id: str, value: str | None = None) -> "OpenDeck":
        """Click, and wait for the modal to be redrawn (views.update after the ack)."""
        return self.deliver(self.payload(action_id, value))

    def deliver(self, payload: dict[str, Any]) -> "OpenDeck":
        """Send a click built earlier, and wait for the modal to be redrawn."""
        updated = self._updates()
        self.send(payload)
        self.fake.wait_for("views.update", count=updated + 1, predicate=self._mine)
        return self

    def _mine(self, call: Any) -> bool:
        return bool(call.ok and call.params.get("view_id") == self.view_id)

    def _updates(self) -> int:
        return len([c for c in self.fake.calls("views.update") if self._mine(c)])
