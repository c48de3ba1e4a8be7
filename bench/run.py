"""Roundtable's benchmark, one command: every scenario against the real server, then one table.

    python bench/run.py [--postgres | --both] [--quick] [--duration 20] [--only abcdefg] [--markdown]

See bench/README.md for what each scenario does and the targets it is judged against.
"""

import argparse
import math
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `roundtable` runs (bot/runtime/cli.py main)
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "tests")]

from bench import digest_runner, drivers, scenarios, weighin_bench  # noqa: E402
from bench.fakes import FakeSlack, ResponseSink  # noqa: E402

QUICK = {"duration": 5.0, "warmup": 1.0}
SMOKE = scenarios.Options(
    duration=5.0,
    warmup=0.0,
    connections=(4,),
    driver="python",
    max_requests=30,
    burst_votes=20,
    burst_seconds=0.5,
    fan_channels=5,
    fan_per_channel=2,
    fan_lead_seconds=3.0,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    backend = parser.add_mutually_exclusive_group()
    backend.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    backend.add_argument("--both", action="store_true", help="SQLite, then PostgreSQL")
    parser.add_argument("--quick", action="store_true", help="5 s runs, 1 s warm-up, digest up to 10,000")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, httpx driver (what the test runs)")
    parser.add_argument("--duration", type=float, help="measured seconds per load run (default 20)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each load run (default 3)")
    parser.add_argument(
        "--connections", default=None, help="comma-separated concurrency levels (default 50,200)"
    )
    parser.add_argument("--only", default="abcdefg", help="scenarios to run, e.g. ab or e (default abcdefg)")
    parser.add_argument(
        "--driver", choices=("wrk", "python"), help="load driver (default wrk when installed)"
    )
    parser.add_argument(
        "--digest-sizes", default=None, help="responses per digest run (default 1000,10000,100000)"
    )
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument(
        "--no-metrics", action="store_true", help="Roundtable with ROUNDTABLE_METRICS=false (their cost)"
    )
    return parser.parse_args(argv)


def options_from(args: argparse.Namespace) -> scenarios.Options:
    options = SMOKE if args.smoke else scenarios.Options(**(QUICK if args.quick else {}))
    changes: dict[str, object] = {}
    if args.duration is not None:
        changes["duration"] = args.duration
    if args.warmup is not None:
        changes["warmup"] = args.warmup
    if args.connections:
        changes["connections"] = tuple(int(c) for c in args.connections.split(","))
    if args.no_metrics:
        changes["metrics"] = False
    if args.driver:
        changes["driver"] = args.driver
    elif not args.smoke and not drivers.wrk_available():
        print(
            "wrk is not installed: using the httpx driver (slower; numbers not comparable)", file=sys.stderr
        )
        changes["driver"] = "python"
    return replace(options, **changes)  # type: ignore[arg-type]


def digest_sizes(args: argparse.Namespace) -> list[int]:
    if args.digest_sizes:
        return [int(size) for size in args.digest_sizes.split(",")]
    if args.smoke:
        return [300]
    return [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]


def weighin_sizes(args: argparse.Namespace) -> list[tuple[int, int]]:
    """(statements, participants) for (f): two sizes 4× apart in votes, so growth shows."""
    return [(25, 25), (50, 50)] if args.smoke else [(500, 500), (1_000, 1_000)]


def main(argv: list[str] | None = None) -> dict[str, object]:
    args = parse_args(argv)
    options = options_from(args)
    backends = ["sqlite", "postgres"] if args.both else ["postgres"] if args.postgres else ["sqlite"]
    report: dict[str, object] = {"options": options, "backends": backends}
    loads: list[scenarios.LoadRow] = []
    bursts: list[tuple[str, scenarios.BurstResult]] = []
    fans: list[tuple[str, scenarios.FanOutResult]] = []
    started = time.monotonic()
    with FakeSlack() as fake, ResponseSink() as sink, tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for backend in backends:
            stage = scenarios.Stage(backend, options, fake, sink, Path(tmp), log=_log)
            if any(key in args.only for key in "abg"):
                _log(f"[{backend}] load scenarios ({options.driver}, {options.duration:g} s runs)")
                loads.extend(scenarios.load_scenarios(stage, args.only))
            if "c" in args.only:
                _log(f"[{backend}] (c) burst of {options.burst_votes} votes")
                bursts.append((backend, scenarios.burst(stage)))
            if "e" in args.only:
                _log(f"[{backend}] (e) fan-out")
                fans.append((backend, scenarios.fan_out(stage)))
    digests = []
    if "d" in args.only:
        _log("(d) digest")
        digests = digest_runner.run(digest_sizes(args))
    weighins = []
    if "f" in args.only:
        _log("(f) weigh-in measures")
        weighins = weighin_bench.run(weighin_sizes(args))
    report.update(loads=loads, bursts=bursts, fans=fans, digests=digests, weighins=weighins)
    print_report(report, markdown=args.markdown)
    _log(f"done in {time.monotonic() - started:.0f} s")
    return report


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ----- the tables ----------------------------------------------------------------------------------
def _table(headers: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def _x(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.2f}×"


def load_table(rows: list[scenarios.LoadRow], markdown: bool) -> str:
    headers = [
        "scenario",
        "db",
        "conns",
        "server",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "rate ×bare",
        "p99 ×bare",
        "rate ×naive",
        "db check",
        "target",
    ]
    body = []
    for row in rows:
        result = row.result
        target = ""
        if row.server == "Roundtable":
            met = (
                (row.ratio or 0) >= 0.6
                and (row.p99_ratio or math.inf) <= 1.5
                and result.errors == 0
                and bool(row.check and row.check.ok)
                and (not row.scenario.startswith(("(a)", "(g)")) or (row.naive_ratio or 0) > 1)
            )
            target = "met" if met else "MISSED"
        body.append(
            [
                row.scenario,
                row.backend,
                str(row.connections),
                row.server,
                f"{result.rate:,.0f}",
                f"{result.p50_ms:.1f}",
                f"{result.p99_ms:.1f}",
                str(result.errors) + (" (ran out)" if result.exhausted else ""),
                _x(row.ratio),
                _x(row.p99_ratio),
                _x(row.naive_ratio),
                str(row.check) if row.check else "",
                target,
            ]
        )
    return _table(headers, body, markdown)


def print_report(report: dict[str, object], *, markdown: bool) -> None:
    loads: list[scenarios.LoadRow] = report["loads"]  # type: ignore[assignment]
    if loads:
        print(
            "\n(a) vote clicks, (b) thread replies, (g) weigh-in deck clicks:"
            " Roundtable vs bare Bolt and the naive peer in the same run"
        )
        print(
            "targets: rate ≥0.60× bare, p99 ≤1.50× bare, 0 errors, every request stored exactly once;"
            " (a) and (g) ahead of the naive peer\n"
        )
        print(load_table(loads, markdown))
    bursts: list[tuple[str, scenarios.BurstResult]] = report["bursts"]  # type: ignore[assignment]
    if bursts:
        print("\n(c) burst on one poll — target: ≤ about 1 chat.update per second, final totals exact\n")
        headers = [
            "db",
            "votes",
            "acked",
            "sent over",
            "chat.update calls",
            "max per 1 s",
            "final shown after last ack",
            "exact",
            "db check",
        ]
        rows = [
            [
                backend,
                str(b.votes),
                str(b.acked),
                f"{b.burst_seconds:.2f} s",
                str(b.updates),
                str(b.max_updates_per_second),
                "never" if b.final_after is None else f"{b.final_after:.2f} s",
                "yes" if b.exact else "NO",
                str(b.check),
            ]
            for backend, b in bursts
        ]
        print(_table(headers, rows, markdown))
    fans: list[tuple[str, scenarios.FanOutResult]] = report["fans"]  # type: ignore[assignment]
    if fans:
        print(
            "\n(e) scheduler fan-out, fake Slack enforcing 1 post/s/channel — target: ≤1.10× the pacing bound, 0 duplicates, 0 failures\n"
        )
        headers = [
            "db",
            "questions",
            "channels",
            "pacing bound",
            "first post",
            "last post",
            "× bound",
            "posted",
            "duplicates",
            "failed",
            "429s",
            "target",
        ]
        rows = [
            [
                backend,
                str(f.questions),
                str(f.channels),
                f"{f.bound_seconds:.0f} s",
                f"{f.first_post:.2f} s",
                f"{f.total_seconds:.2f} s",
                _x(f.total_seconds / f.bound_seconds),
                str(f.posted),
                str(f.duplicates),
                str(f.failed),
                str(f.rate_limited),
                "met"
                if f.total_seconds <= 1.1 * f.bound_seconds and not f.duplicates and not f.failed
                else "MISSED",
            ]
            for backend, f in fans
        ]
        print(_table(headers, rows, markdown))
    digests: list[digest_runner.DigestRow] = report["digests"]  # type: ignore[assignment]
    if digests:
        print(
            "\n(d) digest compile + render (SQLite) — target: 100,000 responses → HTML < 5 s, peak < 1 GiB, linear\n"
        )
        headers = [
            "responses",
            "format",
            "seconds",
            "time ×prev",
            "heap peak MiB",
            "process peak RSS MiB",
            "output MiB",
        ]
        rows, previous = [], {}
        for d in digests:
            before = previous.get(d.fmt)
            growth = (
                f"{d.seconds / before.seconds:.1f}× for {d.responses / before.responses:.0f}× N"
                if before
                else ""
            )
            rows.append(
                [
                    f"{d.responses:,}",
                    d.fmt,
                    f"{d.seconds:.3f}",
                    growth,
                    f"{d.heap_mib:.1f}",
                    f"{d.rss_mib:.0f}",
                    f"{d.output_mib:.2f}",
                ]
            )
            previous[d.fmt] = d
        print(_table(headers, rows, markdown))
    weighins: list[weighin_bench.WeighinRow] = report.get("weighins", [])  # type: ignore[assignment]
    if weighins:
        print(
            "\n(f) weigh-in measures (compute_measures, in process) — target: 1,000 × 1,000 < 2 s, linear-ish\n"
        )
        headers = ["statements", "participants", "votes", "seconds", "time ×prev", "groups", "target"]
        rows, last = [], None
        for w in weighins:
            growth = f"{w.seconds / last.seconds:.1f}× for {w.votes / last.votes:.1f}× votes" if last else ""
            big = w.statements >= 1_000 and w.participants >= 1_000
            target = ("met" if w.seconds < 2 else "MISSED") if big else ""
            rows.append(
                [
                    f"{w.statements:,}",
                    f"{w.participants:,}",
                    f"{w.votes:,}",
                    f"{w.seconds:.3f}",
                    growth,
                    str(w.groups),
                    target,
                ]
            )
            last = w
        print(_table(headers, rows, markdown))


if __name__ == "__main__":
    main()
