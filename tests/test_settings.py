"""Settings: defaults, parsing, and one clear line for every missing or malformed variable."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.runtime.settings import SettingsError, load_settings
from tests.processes import free_port


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "ROUNDTABLE_", "DATABASE_URL", "PORT", "LOG_LEVEL")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_give_embedded_sqlite_on_port_3000() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///roundtable.db"
    assert settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"
    assert not settings.socket_mode


def test_organisers_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUNDTABLE_ORGANISERS", " U1, U2 ,,U3")
    assert load_settings().organisers == ["U1", "U2", "U3"]


def test_heroku_postgres_url_gets_the_psycopg_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/x")
    assert load_settings().database_url == "postgresql+psycopg://u:p@db:5432/x"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=8123\nSLACK_API_URL=http://127.0.0.1:9/api\n")
    settings = load_settings()
    assert settings.port == 8123
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


def test_malformed_setting_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith("invalid setting PORT:")
    assert "\n" not in str(caught.value)


def test_missing_required_setting_names_it() -> None:
    with pytest.raises(SettingsError, match=r"^missing setting SLACK_SIGNING_SECRET: "):
        load_settings().require("SLACK_SIGNING_SECRET")


def test_voter_secret_is_generated_once_beside_the_sqlite_database(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'rt.db'}")
    first = load_settings().voter_secret()
    second = load_settings().voter_secret()
    secret_file = tmp_path / "data" / ".roundtable-secret"
    assert first == second
    assert len(first) == 64
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_voter_secret_is_required_with_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/x")
    with pytest.raises(
        SettingsError, match=r"^missing setting ROUNDTABLE_SECRET: required with a PostgreSQL"
    ):
        load_settings().voter_secret()


def test_cli_prints_one_line_without_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ROUNDTABLE_"))}
    env.update(PORT="not-a-port", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "current"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "roundtable: invalid setting PORT: Input should be a valid integer, unable to parse string as an integer"
    ]


@pytest.mark.parametrize(
    "variable", ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "ROUNDTABLE_SECRET"]
)
@pytest.mark.parametrize("blank", [" ", "\t  \n"])
def test_a_blank_secret_setting_is_refused_with_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, blank: str
) -> None:
    monkeypatch.setenv(variable, blank)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == (
        f"invalid setting {variable}: is blank (only whitespace): set the real value, or leave it empty to unset it"
    )


def test_an_empty_secret_setting_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "")
    assert not load_settings().socket_mode


@pytest.mark.parametrize(
    "content", ["", "   \n", "\n", "3f9a0c"], ids=["empty", "whitespace", "newline", "half-written"]
)
def test_an_empty_or_truncated_secret_file_is_refused_not_used_as_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rt.db'}")
    secret_file = tmp_path / ".roundtable-secret"
    secret_file.write_text(content)
    with pytest.raises(SettingsError) as caught:
        load_settings().voter_secret()
    message = str(caught.value)
    assert message.startswith(f"the voter secret {secret_file} is empty or truncated (")
    assert message.endswith("restore it from your backup, or set ROUNDTABLE_SECRET")
    assert "\n" not in message
    assert secret_file.read_text() == content  # never silently replaced


def test_a_new_secret_file_is_complete_and_private_and_no_temporary_file_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rt.db'}")
    secret = load_settings().voter_secret()
    assert [p.name for p in tmp_path.iterdir()] == [".roundtable-secret"]
    assert (tmp_path / ".roundtable-secret").read_bytes() == secret
    assert len(secret) == 64


def test_run_with_a_truncated_secret_file_stops_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ROUNDTABLE_", "DATABASE_URL"))}
    # One process on a free port: if the secret were accepted, the timeout below stops the whole bot.
    env.update(
        SLACK_BOT_TOKEN="xoxb-x", SLACK_SIGNING_SECRET="s" * 20, WEB_CONCURRENCY="1", PORT=str(free_port())
    )
    command = [sys.executable, "-m", "bot"]
    assert (
        subprocess.run([*command, "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True).returncode
        == 0
    )
    (tmp_path / ".roundtable-secret").write_text("")
    result = subprocess.run(
        [*command, "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("roundtable: the voter secret ")
    assert "is empty or truncated (0 characters" in line
