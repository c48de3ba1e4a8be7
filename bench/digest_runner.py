"""(d) digest compilation: bench/digest_bench.py per size in its own process, so the peak resident memory
(ru_maxrss from wait4) is that size's alone, next to the Python-heap peak digest_bench measures."""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.fakes import ROOT

DIGEST_BENCH = Path(__file__).with_name("digest_bench.py")
_ROW = re.compile(r"^\s*([\d,]+)\s+(html|json)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class DigestRow:
    responses: int
    fmt: str
    seconds: float  # best of three, compile + render
    heap_mib: float  # tracemalloc peak
    rss_mib: float  # peak resident set of the whole process (seeding included)
    output_mib: float


def run(sizes: list[int]) -> list[DigestRow]:
    rows = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    for size in sizes:
        process = subprocess.Popen(
            [sys.executable, str(DIGEST_BENCH), str(size)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert process.stdout is not None
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise RuntimeError(f"digest_bench {size} failed:\n{output}")
        for n, fmt, seconds, heap, out in _ROW.findall(output):
            rows.append(
                DigestRow(
                    int(n.replace(",", "")),
                    fmt,
                    float(seconds),
                    float(heap),
                    usage.ru_maxrss / 1024,
                    float(out),
                )
            )
    return rows
