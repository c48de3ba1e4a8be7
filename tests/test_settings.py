"""Settings: defaults, parsing, and one clear line for every missing or malformed variable."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


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
