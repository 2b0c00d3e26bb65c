"""The README's run command: brings everything up healthy, and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _descendants(root: int) -> set[int]:
    """Every live process below `root` (the script starts its children in new sessions)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if "State:\tZ" not in status:
            alive.add(pid)
    return alive


@pytest.mark.slow
def test_run_starts_redis_api_worker_and_stops_them_all(tmp_path: Path) -> None:
    api_port, redis_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "PORT": str(api_port),
        "SKIP_WEB": "1",
        # Nobody answers on this port, so the script must start its own Redis with AOF.
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "FILE_STORAGE_ROOT": str(tmp_path / "files"),
    }
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    proc = subprocess.Popen(
        ["bash", "scripts/run"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        body: dict[str, object] = {}
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{api_port}/api/v1/health", timeout=5)
                body = response.json()
                if response.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        assert body.get("status") == "up", body
        started = _descendants(proc.pid)
        cmdlines = [Path(f"/proc/{p}/cmdline").read_bytes() for p in started]
        assert any(b"redis-server" in c for c in cmdlines), "the script should have started Redis"
        assert any(b"worker" in c for c in cmdlines) and any(b"serve" in c for c in cmdlines)
    finally:
        # What Ctrl-C in a terminal does: SIGINT to the script's process group.
        os.killpg(proc.pid, signal.SIGINT)
        output = proc.communicate(timeout=60)[0].decode(errors="replace")
    time.sleep(1)
    left = _alive(started)
    assert not left, f"processes left behind: {left}\n{output[-2000:]}"
    assert (REPO_ROOT / "data").exists()
