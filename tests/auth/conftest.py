"""Plumbing for the auth tests: apps with their own settings, a private redis-server, real
`rekha serve` processes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def browser(app: Any, client_ip: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(client_ip, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def open_browser() -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    return browser


def _redis_server_binary() -> str:
    for candidate in (VENV_BIN / "redis-server", Path("/usr/bin/redis-server")):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("redis-server")
    if not found:
        pytest.skip("no redis-server binary to start a private Redis")
    return found


class PrivateRedis:
    """A redis-server of the test's own, with append-only persistence, that can be restarted."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.binary = _redis_server_binary()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.data_dir),
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", "",
                "--daemonize", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                with redis.Redis.from_url(self.url) as client:
                    if client.ping():
                        return
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("private redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # Redis flushes the AOF and exits
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.data_dir.mkdir()
    server.start()
    yield server
    server.stop()


class ApiProcess:
    def __init__(self, port: int, proc: subprocess.Popen[bytes], log_path: Path) -> None:
        self.port = port
        self.proc = proc
        self.log_path = log_path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONTRACEMALLOC"}
    env["PYTHONUNBUFFERED"] = "1"  # its log is readable when it fails to start
    return env


def start_api(log_dir: Path, extra_env: dict[str, str]) -> ApiProcess:
    """A real `rekha serve` process on the test run's Redis and database."""
    port = free_port()
    log_path = log_dir / f"api-{port}.log"
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(
            [str(VENV_BIN / "rekha"), "serve", "--port", str(port)],
            env={**_child_env(), **extra_env},
            cwd=REPO_ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    api = ApiProcess(port, proc, log_path)
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"rekha serve exited early:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{api.base_url}/healthz", timeout=1).status_code == 200:
                return api
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop_api(api)
            raise RuntimeError(f"rekha serve did not answer:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)


def stop_api(api: ApiProcess) -> None:
    if api.proc.poll() is None:
        os.killpg(api.proc.pid, signal.SIGTERM)
        try:
            api.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(api.proc.pid, signal.SIGKILL)
            api.proc.wait()


@pytest.fixture
def api_processes(tmp_path: Path) -> Iterator[Callable[[int, dict[str, str]], list[ApiProcess]]]:
    started: list[ApiProcess] = []

    def start(count: int, extra_env: dict[str, str]) -> list[ApiProcess]:
        for _ in range(count):
            started.append(start_api(tmp_path, extra_env))
        return started[-count:]

    yield start
    for api in started:
        stop_api(api)
