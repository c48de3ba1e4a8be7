"""bench/ cannot rot: every scenario at tiny size through the same code paths as the real benchmark.

The real server is started as production starts it, requests are signed, the database is checked after
each run, the scheduler fans out to rate-limited channels and the digest is compiled. Nothing about speed
is asserted; bench/run.py is where speed is measured.
"""

import os

import pytest

from bench import drivers, run

pytestmark = pytest.mark.slow


def _assert_load_rows(report: dict[str, object], scenarios: set[str]) -> None:
    rows = report["loads"]
    assert {(row.scenario[:3], row.server) for row in rows} == {  # type: ignore[attr-defined]
        (scenario, server) for scenario in scenarios for server in ("bare Bolt", "naive peer", "Roundtable")
    }
    for row in rows:  # type: ignore[attr-defined]
        assert row.result.errors == 0, row
        if row.server == "Roundtable":
            assert row.check is not None
            assert row.check.ok, row.check
            # wrk stops with requests in flight: those may be stored without their ack being counted
            assert 0 < row.check.acked <= row.check.stored <= row.check.sent, row.check


def test_every_scenario_runs_at_tiny_size_and_stores_each_request_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = run.main(["--smoke"])

    _assert_load_rows(report, {"(a)", "(b)", "(g)"})
    [(_, burst)] = report["bursts"]  # type: ignore[misc]
    assert burst.exact
    assert burst.check.ok, burst.check
    assert burst.acked == burst.votes
    [(_, fan)] = report["fans"]  # type: ignore[misc]
    assert (fan.posted, fan.duplicates, fan.failed) == (fan.questions, 0, 0)
    assert {(row.fmt, row.responses) for row in report["digests"]} == {("html", 300), ("json", 300)}  # type: ignore[attr-defined]
    assert [(row.statements, row.participants) for row in report["weighins"]] == [(25, 25), (50, 50)]  # type: ignore[attr-defined]
    printed = capsys.readouterr().out
    for heading in (
        "(a) vote clicks",
        "(g) weigh-in deck clicks",
        "(c) burst",
        "(e) scheduler fan-out",
        "(d) digest",
        "(f) weigh-in",
    ):
        assert heading in printed


@pytest.mark.skipif(
    not drivers.wrk_available(), reason="wrk is not installed (apt install wrk); the httpx path ran above"
)
def test_wrk_replays_signed_requests_and_the_database_check_accounts_for_each() -> None:
    report = run.main(["--smoke", "--driver", "wrk", "--only", "b", "--duration", "1"])

    _assert_load_rows(report, {"(b)"})


@pytest.mark.skipif(
    not os.environ.get("ROUNDTABLE_TEST_POSTGRES_URL"),
    reason="set ROUNDTABLE_TEST_POSTGRES_URL to run on PostgreSQL",
)
def test_load_scenarios_run_on_postgresql() -> None:
    report = run.main(["--smoke", "--postgres", "--only", "a"])

    _assert_load_rows(report, {"(a)"})
