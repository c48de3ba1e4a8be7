"""The one rule for keys that stand in for a person: keyed hashes, and the hour-only time of a dedupe key.

Anonymous poll votes (bot.polls.rules) and weigh-in views (bot.weighin.keys) both store an HMAC-SHA256
with the server's secret (ROUNDTABLE_SECRET) instead of a user id: the server can recompute it for a
person, someone holding the database alone cannot invert it. Dedupe keys stored beside such votes are
keyed hashes too, and say only the hour they were received, so neither their text nor their time lines
a click up with a person.
"""

import hashlib
import hmac
from datetime import datetime


def keyed_hash(secret: bytes, *parts: str) -> str:
    """HMAC-SHA256 of the parts joined by NUL (none of them may contain one), as hex."""
    return hmac.new(secret, "\x00".join(parts).encode(), hashlib.sha256).hexdigest()


def delivery_key_time(now: datetime) -> datetime:
    """When a delivery key says it was received: the hour only, so keys cannot be matched to clicks by time.

    Housekeeping drops keys received over 2 h ago, so each still outlives Slack's retries (minutes) by an
    hour or more.
    """
    return now.replace(minute=0, second=0, microsecond=0)
