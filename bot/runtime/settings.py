"""Runtime settings, read from the environment and an optional `.env` file."""

import contextlib
import logging
import os
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///roundtable.db"
SECRET_FILE_NAME = ".roundtable-secret"
MIN_SECRET_FILE_LENGTH = 32  # the bot writes 64 hex characters; anything shorter is truncated or damaged


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)
    web_concurrency: int = Field(default=2, alias="WEB_CONCURRENCY", ge=1, le=64)
    organisers: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="ROUNDTABLE_ORGANISERS")
    secret: SecretStr | None = Field(default=None, alias="ROUNDTABLE_SECRET")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    metrics: bool = Field(default=True, alias="ROUNDTABLE_METRICS")  # GET /metrics (Prometheus)
    auto_migrate: bool = Field(default=False, alias="ROUNDTABLE_AUTO_MIGRATE")
    post_grace_minutes: int = Field(default=60, alias="ROUNDTABLE_POST_GRACE_MINUTES", ge=0)
    schedule_poll_seconds: float = Field(default=2.0, alias="ROUNDTABLE_SCHEDULE_POLL_SECONDS", gt=0)
    claim_timeout_seconds: int = Field(default=120, alias="ROUNDTABLE_CLAIM_TIMEOUT_SECONDS", ge=5)
    # conversations.replies allows 1 call a minute and 15 messages a page for non-Marketplace apps.
    backfill_calls_per_minute: float = Field(default=1.0, alias="ROUNDTABLE_BACKFILL_CALLS_PER_MINUTE", gt=0)
    backfill_page_size: int = Field(default=15, alias="ROUNDTABLE_BACKFILL_PAGE_SIZE", ge=1, le=1000)
    backfill_days: int = Field(default=14, alias="ROUNDTABLE_BACKFILL_DAYS", ge=0)
    retention_days: int | None = Field(default=None, alias="ROUNDTABLE_RETENTION_DAYS", ge=1)
    # Socket Mode reconnection backoff cap; apps.connections.open is Tier 1 (about one call a minute).
    socket_retry_max_seconds: float = Field(default=60.0, alias="ROUNDTABLE_SOCKET_RETRY_MAX_SECONDS", ge=1)

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", "secret")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty value means unset; spaces alone would be used as a key (or a token) that never works.
        if value is not None and value.get_secret_value() and not value.get_secret_value().strip():
            raise ValueError("is blank (only whitespace): set the real value, or leave it empty to unset it")
        return value

    @field_validator("organisers", mode="before")
    @classmethod
    def _split_user_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_url(cls, value: str) -> str:
        # Heroku-style platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"unknown log level {value!r} (use DEBUG, INFO, WARNING or ERROR)")
        return level

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None and bool(self.slack_app_token.get_secret_value())

    def require(self, *names: str) -> None:
        """Raise SettingsError naming the first of `names` (env variable names) that is unset."""
        for name in names:
            field_name = _FIELD_BY_ENV[name]
            value = getattr(self, field_name)
            if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
                raise SettingsError(f"missing setting {name}: {_HINTS.get(name, 'see the README')}")

    def secret_values(self) -> list[str]:
        """Every configured secret, so logging can scrub them."""
        values = [self.slack_bot_token, self.slack_signing_secret, self.slack_app_token, self.secret]
        return [value.get_secret_value() for value in values if value is not None]

    def voter_secret(self) -> bytes:
        """The server secret that keys anonymous voter ids.

        Required for PostgreSQL (a shared production store). For the embedded SQLite default it is
        generated on first use and kept in a file beside the database, never inside it.
        """
        if self.secret is not None and self.secret.get_secret_value():
            return self.secret.get_secret_value().encode()
        if not self.is_sqlite:
            raise SettingsError(
                "missing setting ROUNDTABLE_SECRET: required with a PostgreSQL DATABASE_URL "
                "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        path = self.secret_file()
        if not path.exists():
            _write_new_secret(path)
        return _read_secret_file(path)

    def secret_file(self) -> Path:
        database = sqlite_path(self.database_url)
        directory = database.parent if database is not None else Path.cwd()
        return directory / SECRET_FILE_NAME


def _write_new_secret(path: Path) -> None:
    """Write a fresh secret so that `path` is either absent or complete, never half-written.

    The secret goes to a temporary file (0600) that is synced, then linked into place: linking is atomic
    like a rename but never replaces, so two processes starting at once end up sharing one secret.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{SECRET_FILE_NAME}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won the race: its secret is the one
            os.link(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        os.unlink(temporary)


def _read_secret_file(path: Path) -> bytes:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"cannot read the voter secret {path}: {error}") from None
    if len(value) < MIN_SECRET_FILE_LENGTH:
        raise SettingsError(
            f"the voter secret {path} is empty or truncated ({len(value)} characters, at least "
            f"{MIN_SECRET_FILE_LENGTH} expected): restore it from your backup, or set ROUNDTABLE_SECRET"
        )
    return value.encode()


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite URL, or None for in-memory and non-SQLite URLs."""
    if not url.startswith("sqlite"):
        return None
    _, _, rest = url.partition(":///")
    rest = rest.split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest)


_FIELD_BY_ENV = {
    field.alias: name for name, field in Settings.model_fields.items() if field.alias is not None
}
_HINTS = {
    "SLACK_BOT_TOKEN": "the bot token (xoxb-...) from your Slack app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "the signing secret from your Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-...) with connections:write, for Socket Mode",
}


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning validation errors into one line naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = error["loc"][0] if error["loc"] else "settings"
        name = Settings.model_fields[location].alias if location in Settings.model_fields else location
        message = error["msg"].removeprefix("Value error, ")
        raise SettingsError(f"invalid setting {name}: {message}") from None
