"""The weigh-in's anonymous keys: who a view belongs to, a click's dedupe key, each person's deck order.

All are keyed hashes (bot.anonymity, the rule poll votes use): a person's views are linked to each other
only by `voter_key`, an HMAC of (server secret, "weighin", workshop, user); the server can recompute it,
someone holding the database alone cannot tell whose it is.
"""

from datetime import datetime

from bot.anonymity import delivery_key_time, keyed_hash

DELIVERY_KEY_PREFIX = "weighin-delivery:"


def voter_key(secret: bytes, workshop_id: int, user_id: str) -> str:
    """The key a person's views in one workshop are stored under."""
    return keyed_hash(secret, "weighin", str(workshop_id), user_id)


def delivery_key(secret: bytes, key: str, delivery_id: str) -> str:
    """The dedupe key of one click (Slack's `action_ts`), stored with its view: names no one."""
    return DELIVERY_KEY_PREFIX + keyed_hash(secret, "weighin-click", key, delivery_id)


def delivery_time(now: datetime) -> datetime:
    """What a click's dedupe key says about when it came: the hour only."""
    return delivery_key_time(now)


def order_key(key: str, response_id: int) -> str:
    """Where a statement falls in this person's deck: stable for them, different for everyone else.

    Seeded from the person's anonymous key, so late answers land anywhere in each deck instead of always
    at the end, and nobody can predict another person's order.
    """
    return keyed_hash(key.encode(), "order", str(response_id))
