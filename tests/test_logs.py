"""The log filter scrubs Slack tokens and configured secrets from every record, whatever logs them."""

import logging

import pytest

from bot.logs import configure_logging


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
