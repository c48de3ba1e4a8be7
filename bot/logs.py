"""Logging set-up: one line per record, and secrets scrubbed from every record at every level."""

import logging
import re

_TOKEN = re.compile(r"\b(xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")
_SECRETS: list[str] = []


class RedactSecrets(logging.Filter):
    """Replaces Slack tokens and registered secrets in the rendered message with [redacted]."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _TOKEN.sub("[redacted]", message)
        for secret in _SECRETS:
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def register_secret(value: str | None) -> None:
    if value and len(value) >= 6 and value not in _SECRETS:
        _SECRETS.append(value)


def configure_logging(level: str, secrets: list[str] | None = None) -> None:
    for secret in secrets or []:
        register_secret(secret)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # APScheduler logs every job run at INFO (the watcher runs every few seconds); alembic logs each check.
    for chatty in ("apscheduler", "alembic"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
