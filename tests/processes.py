"""Starting and stopping servers as real processes, shared by the test suite and bench/ (no pytest here).

A server runs in its own process group (uvicorn's supervisor and its workers), is waited for on `/healthz`,
and is stopped with SIGTERM to the group, SIGKILL if it does not exit.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

# Settings the launched process must not inherit from the shell that runs the tests or the benchmark.
INHERITED_SETTINGS = ("SLACK_", "ROUNDTABLE_", "DATABASE_URL", "WEB_CONCURRENCY", "LOG_LEVEL", "PORT")


def clean_environment() -> dict[str, str]:
    """This process's environment without any Slack, Roundtable or server setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_SETTINGS)}


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    with free_socket() as sock:
        return int(sock.getsockname()[1])


def postgres_schema_url(base_url: str, schema: str) -> str:
    """`base_url` (any PostgreSQL URL spelling) with psycopg 3 and `schema` as the search path."""
    url = base_url
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 20) -> None:
    """Return once `url` (a /healthz) answers 200; raise with the log's tail if the process exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not become healthy:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def stop_group(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM the process group `process` leads (started with start_new_session); SIGKILL after `timeout`."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
