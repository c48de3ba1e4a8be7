"""Display names for attributed digests, looked up with users.info and cached for the process."""

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from storage import people
from storage.db import Database

logger = logging.getLogger(__name__)


class Directory:
    """users.info with a cache; a user who cannot be looked up keeps their id."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()

    def name(self, user_id: str) -> str:
        with self._lock:
            if user_id in self._names:
                return self._names[user_id]
        try:
            user = self.client.users_info(user=user_id)["user"]
            profile = user.get("profile") or {}
            name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user_id
        except SlackApiError as error:
            logger.warning("users.info %s failed: %s", user_id, error.response.get("error"))
            return user_id
        with self._lock:
            self._names[user_id] = name
        return name


def display_names(db: Database, slug: str, directory: Directory | None) -> dict[str, str]:
    """Names for a workshop's contributors; none at all under the Chatham House Rule (nothing to look up)."""
    with db.reading() as session:
        found = people.contributors(session, slug)
    if found is None or directory is None:
        return {}
    chatham_house, user_ids = found
    if chatham_house:
        return {}
    return {user_id: directory.name(user_id) for user_id in user_ids}


def known_names(db: Database, slug: str, directory: Directory | None) -> tuple[str, ...]:
    """Every contributor's display name, under the Chatham House Rule too: never shown, only kept out of
    the digest's quotes (an answer naming a participant is not quoted). Empty without a directory."""
    with db.reading() as session:
        found = people.contributors(session, slug)
    if found is None or directory is None:
        return ()
    _, user_ids = found
    return tuple(sorted({name for name in (directory.name(user_id) for user_id in user_ids) if name}))
