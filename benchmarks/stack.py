"""Plumbing shared by the benchmarks that run a real Rekha stack on loopback: a private
redis-server, the API process, process stopping, percentiles, and rewriting one section of
RESULTS.md."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
RESULTS = REPO / "benchmarks" / "RESULTS.md"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A throwaway redis-server on a free port, so a benchmark never touches real data."""
    binary = VENV_BIN / "redis-server"
    exe = str(binary) if binary.is_file() else shutil.which("redis-server")
    if not exe:
        sys.exit("no redis-server binary found")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}"
    import redis

    for _ in range(100):
        try:
            if redis.Redis.from_url(url).ping():
                return proc, url
        except redis.ConnectionError:
            time.sleep(0.05)
    sys.exit("redis-server did not start")


def start_api(env: dict[str, str], tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Migrate, start `rekha serve` on a free port (log in tmp/api.log), wait for /healthz;
    returns the process and its base URL."""
    subprocess.run([str(VENV_BIN / "rekha"), "migrate"], env=env, cwd=REPO, check=True)
    port = free_port()
    proc = subprocess.Popen(
        [str(VENV_BIN / "rekha"), "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=(tmp / "api.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit(f"rekha serve exited; see {tmp / 'api.log'}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    sys.exit("rekha serve did not answer")


def stop(proc: subprocess.Popen[bytes], *, group: bool = False) -> None:
    """Stop a process (with `group`, its whole process group: uvicorn or Celery children)."""
    if proc.poll() is None:
        if group:
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
            proc.wait()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def record(section: str, report: str) -> None:
    """Replace (or append) only `section` of RESULTS.md; other sections belong to others."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: report.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + report
    RESULTS.write_text(text.rstrip("\n") + "\n")


def stack_env(tmp: Path, redis_url: str, **extra: str) -> dict[str, str]:
    """Settings for a throwaway Rekha stack: its own database, files and Redis databases."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        "REDIS_URL": f"{redis_url}/0",
        "CELERY_BROKER_URL": f"{redis_url}/1",
        "CELERY_RESULT_BACKEND": f"{redis_url}/1",
        "FILE_STORAGE_ROOT": str(tmp / "files"),
        "WEB_ROOT": str(tmp / "no-web"),
        "SESSION_COOKIE_SECURE": "false",
        "ANALYSES_PER_IP_PER_DAY": "100000",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
