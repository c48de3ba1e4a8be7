"""Logging set-up: one line per record, and secrets scrubbed from everything written, at every level.

The scrubbing happens on the formatted output (message, exception text, traceback and stack), not on the
message alone, and uvicorn's own loggers write through the same handler (see `logging_config`).
"""

import logging
import logging.config
import re
from typing import Any

_TOKEN = re.compile(r"\b(xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")
# PostgreSQL's error DETAIL echoes stored values ("Key (key)=(poll-action:U…) already exists", "Failing
# row contains (…)"): the constraint named on the line before is enough to debug.
_PG_DETAIL = re.compile(r"^DETAIL:.*$", re.MULTILINE)
_SECRETS: list[str] = []
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def scrub(text: str) -> str:
    """`text` with Slack tokens and every registered secret replaced by [redacted]."""
    cleaned = _PG_DETAIL.sub("DETAIL:  [redacted]", _TOKEN.sub("[redacted]", text))
    for secret in _SECRETS:
        cleaned = cleaned.replace(secret, "[redacted]")
    return cleaned


class ScrubbingFormatter(logging.Formatter):
    """Formats a record as usual, then scrubs the whole result, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def register_secret(value: str | None) -> None:
    if value and len(value) >= 6 and value not in _SECRETS:
        _SECRETS.append(value)


def logging_config(level: str) -> dict[str, Any]:
    """A dictConfig: the root logger writes scrubbed lines to stderr and uvicorn's loggers go through it.

    Passed to uvicorn as `log_config`, so uvicorn's worker processes set up the same handler themselves.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"scrubbed": {"()": ScrubbingFormatter, "fmt": LINE_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "scrubbed"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # Silent: a line per request would log client addresses. Not propagating either, so it has no
            # handler anywhere above it: uvicorn formats an access line for every request when
            # `hasHandlers()` is true (its client address and path), only for the level to drop it.
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
        },
    }


def configure_logging(level: str, secrets: list[str] | None = None) -> None:
    for secret in secrets or []:
        register_secret(secret)
    logging.config.dictConfig(logging_config(level))
    root = logging.getLogger()
    # APScheduler logs every job run at INFO (the watcher runs every few seconds); alembic logs each check.
    for chatty in ("apscheduler", "alembic"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
