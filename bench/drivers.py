"""Load drivers: wrk replaying pre-signed requests (the benchmark), and a small httpx driver (smoke runs,
paced bursts). Both report the same `LoadResult`."""

import asyncio
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.payloads import Signed, write_wrk_file

REPLAY_LUA = Path(__file__).with_name("replay.lua")
SLACK_DEADLINE_SECONDS = 3  # Slack retries a delivery not acknowledged within 3 s: count it as an error


@dataclass
class LoadResult:
    requests: int  # responses received
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int  # connect/read/write errors and timeouts (> 3 s)
    statuses: Counter[int] = field(default_factory=Counter)
    sent: list[int] = field(default_factory=list)  # indices of the requests that may have reached the server
    exhausted: bool = False  # the driver ran out of pre-built requests before the time was up
    max_ms: float = 0.0
    socket_detail: str = ""  # e.g. "timeout 3" (wrk's connect/read/write/timeout counts that are not 0)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def statuses_2xx(self) -> int:
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)

    @property
    def errors(self) -> int:
        """Everything Slack would count as a failed delivery: non-2xx, socket errors and timeouts."""
        non_2xx = sum(count for status, count in self.statuses.items() if not 200 <= status < 300)
        return non_2xx + self.socket_errors


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    url: str,
    requests: Sequence[Signed],
    *,
    connections: int,
    seconds: float,
    threads: int = 2,
    wrap: bool = False,
) -> LoadResult:
    """wrk for `seconds`; each request sent at most once unless `wrap` (for a server that stores nothing)."""
    threads = min(threads, connections)
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as directory:
        path = Path(directory) / "requests.txt"
        write_wrk_file(path, requests)
        command = [
            *("wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"),
            *("--timeout", f"{SLACK_DEADLINE_SECONDS}s", "--latency", "-s", str(REPLAY_LUA)),
            *(f"{url}/slack/events", "--", str(path), str(threads)),
            *(["wrap"] if wrap else []),
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output, threads)


def parse_wrk(output: str, threads: int) -> LoadResult:
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s|m)\b", output)
    if done is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    unit = {"s": 1.0, "ms": 0.001, "m": 60.0}[done.group(3)]
    latency = re.search(r"^latency p50 (\d+) p99 (\d+) max (\d+)$", output, re.MULTILINE)
    errors = re.search(
        r"^errors connect (\d+) read (\d+) write (\d+) status \d+ timeout (\d+)$", output, re.MULTILINE
    )
    if latency is None or errors is None:
        raise RuntimeError(f"bench/replay.lua printed no summary:\n{output}")
    result = LoadResult(
        requests=int(done.group(1)),
        seconds=float(done.group(2)) * unit,
        p50_ms=int(latency.group(1)) / 1000,
        p99_ms=int(latency.group(2)) / 1000,
        socket_errors=sum(int(value) for value in errors.groups()),
        max_ms=int(latency.group(3)) / 1000,
        socket_detail=" ".join(
            f"{kind} {value}"
            for kind, value in zip(("connect", "read", "write", "timeout"), errors.groups(), strict=True)
            if value != "0"
        ),
    )
    for status, count in re.findall(r"^status (\d+) (\d+)$", output, re.MULTILINE):
        result.statuses[int(status)] += int(count)
    for thread, generated, exhausted in re.findall(
        r"^thread (\d+) generated (\d+) exhausted (\d)$", output, re.MULTILINE
    ):
        result.sent.extend(int(thread) + threads * k for k in range(int(generated)))  # wrapped: not distinct
        result.exhausted |= exhausted == "1"
    result.sent.sort()
    return result


def run_python(
    url: str,
    requests: Sequence[Signed],
    *,
    connections: int,
    seconds: float | None = None,
    spread_seconds: float | None = None,
) -> LoadResult:
    """Send `requests` with `connections` concurrent senders, for at most `seconds`; with `spread_seconds`,
    request i leaves no earlier than i/len × spread_seconds after the start (a paced burst)."""
    return asyncio.run(_run_python(url, requests, connections, seconds, spread_seconds))


async def _run_python(
    url: str,
    requests: Sequence[Signed],
    connections: int,
    seconds: float | None,
    spread_seconds: float | None,
) -> LoadResult:
    latencies: list[float] = []
    result = LoadResult(0, 0.0, 0.0, 0.0, 0)
    queue = iter(range(len(requests)))
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async def sender(client: httpx.AsyncClient) -> None:
        for index in queue:
            now = time.perf_counter() - started
            if seconds is not None and now > seconds:
                return
            if spread_seconds:
                await asyncio.sleep(max(0.0, index / len(requests) * spread_seconds - now))
            request = requests[index]
            result.sent.append(index)
            begun = time.perf_counter()
            try:
                response = await client.post(
                    f"{url}/slack/events", content=request.body, headers=request.headers
                )
            except httpx.HTTPError:
                result.socket_errors += 1
                continue
            latencies.append(time.perf_counter() - begun)
            result.statuses[response.status_code] += 1

    async with httpx.AsyncClient(timeout=SLACK_DEADLINE_SECONDS, limits=limits) as client:
        await asyncio.gather(*(sender(client) for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    result.requests = len(latencies)
    result.sent.sort()
    if latencies:
        cuts = (
            statistics.quantiles(latencies, n=100, method="inclusive")
            if len(latencies) > 1
            else latencies * 99
        )
        result.p50_ms, result.p99_ms = cuts[49] * 1000, cuts[98] * 1000
    return result
