"""The log filter scrubs Slack tokens and configured secrets from every record, whatever logs them."""

import logging
import threading
import time
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.exc import IntegrityError

from bot.runtime.logs import configure_logging, logging_config
from storage.db import Database
from storage.models import ProcessedEvent
from tests.botserver import free_socket


@pytest.fixture(autouse=True)
def restore_root_logger() -> object:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_tokens_and_registered_secrets_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", secrets=["my-signing-secret-value"])
    logging.getLogger("slack_sdk.web").debug(
        "Sending a request - headers: %s body: %s",
        {"Authorization": "Bearer xoxb-1234-5678-abcdef"},
        "code=xapp-1-A0-99-ff signing=my-signing-secret-value",
    )
    logged = capsys.readouterr().err
    assert "xoxb-1234" not in logged
    assert "xapp-1-A0" not in logged
    assert "my-signing-secret-value" not in logged
    assert logged.count("[redacted]") == 3


SECRET = "my-signing-secret-value"


def test_a_secret_in_an_exception_message_and_its_traceback_is_redacted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("DEBUG", secrets=[SECRET])

    def authenticate() -> None:
        raise RuntimeError(f"auth with {SECRET} and xoxb-1234-5678-abcdef failed")

    try:
        try:
            authenticate()
        except RuntimeError as error:
            raise ValueError(f"while calling Slack with xapp-1-A0-99-ff ({SECRET})") from error
    except ValueError:
        logging.getLogger("bot.test").exception("request failed")
    logged = capsys.readouterr().err
    assert "Traceback" in logged
    assert "The above exception was the direct cause" in logged
    for leaked in (SECRET, "xoxb-1234", "xapp-1-A0"):
        assert leaked not in logged
    assert "RuntimeError: auth with [redacted] and [redacted] failed" in logged
    assert "ValueError: while calling Slack with [redacted] ([redacted])" in logged


def test_a_token_in_a_logged_stack_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG")
    logging.getLogger("bot.test").warning("where", stack_info=True)  # token=xoxb-9999-stackline
    logged = capsys.readouterr().err
    assert "Stack (most recent call last)" in logged
    assert "xoxb-9999" not in logged
    assert "token=[redacted]" in logged


def test_uvicorn_error_lines_go_through_the_same_scrubbing_handler(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", secrets=[SECRET])

    async def failing_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            raise RuntimeError(f"exploded holding {SECRET} and xoxb-1234-5678-abcdef")

    sock = free_socket()
    # The log_config run_http passes to uvicorn, in-process: uvicorn's loggers write through our handler.
    config = uvicorn.Config(failing_app, log_config=logging_config("INFO"), log_level="info", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        host, port = sock.getsockname()[:2]
        assert httpx.get(f"http://{host}:{port}/").status_code == 500
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    logged = capsys.readouterr().err
    assert " ERROR uvicorn.error Exception in ASGI application" in logged
    assert "RuntimeError: exploded holding [redacted] and [redacted]" in logged
    assert SECRET not in logged
    assert "xoxb-1234" not in logged


def test_uvicorn_has_no_access_logger_to_format_lines_for_even_at_debug() -> None:
    """uvicorn formats an access line per request (client address, path) whenever its access logger
    `hasHandlers()`, through any ancestor; the line would be dropped anyway, so there must be none."""
    configure_logging("DEBUG")
    try:
        assert logging.getLogger().hasHandlers()  # the root logger writes everything else
        assert not logging.getLogger("uvicorn.access").hasHandlers()
    finally:
        configure_logging("INFO")


def test_a_failing_statement_and_sql_echo_never_show_bound_parameters(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "poll-action:U0VOTER0SECRET:1700000000.000100"
    with database.transaction() as session:
        session.add(ProcessedEvent(key=key))
    configure_logging("INFO")
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # SQL echo, as when debugging
    try:
        with pytest.raises(IntegrityError) as caught, database.transaction() as session:
            session.add(ProcessedEvent(key=key))
        logging.getLogger("bot.test").error("vote failed", exc_info=caught.value)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    logged = capsys.readouterr().err
    assert "INSERT INTO processedevent" in logged
    assert "SQL parameters hidden" in logged
    assert "U0VOTER0SECRET" not in logged
