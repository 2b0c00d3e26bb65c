"""Jobs: upload-to-completed time, and status-poll latency under 200 concurrent pollers.

Starts its own redis-server (private port), a real `rekha serve` (one uvicorn process) and a
real `rekha worker` (local provider, concurrency 1) on a throwaway SQLite database and storage
folder, all on loopback.

1. Upload to completed: POST one fixture palm, then poll GET /status every 20 ms until it says
   `completed`; the time from sending the upload to seeing `completed`. One warm-up job first
   (the worker loads the hand model on its first reading). Sequential, so each job has the
   worker to itself.
2. Poll latency: 200 concurrent pollers (httpx async client, one connection each), each making
   --polls sequential GETs of a completed analysis's /status, against the same number of GETs
   of the bare /healthz in the same run, alternating rounds so both see the same machine load.
   Bounded: a fixed number of requests, and a time limit per round.

    .venv/bin/python benchmarks/jobs.py [--jobs 8] [--polls 10] [--record]

--record rewrites only the "## Jobs" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from stack import VENV_BIN, percentile, record, stack_env, start_api, start_redis, stop

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(
    os.environ.get("REKHA_FIXTURES_DIR", str(REPO.parent / "shared" / "fixtures" / "palms"))
)
RESULTS = REPO / "benchmarks" / "RESULTS.md"
SECTION = "## Jobs"
POLLERS = 200
PALMS = ("left_01.jpg", "left_02.jpg", "right_01.jpg", "left_03.jpg")
POLL_INTERVAL_S = 0.02
JOB_TIMEOUT_S = 180.0
ROUND_TIMEOUT_S = 120.0


def start_processes(
    env: dict[str, str], tmp: Path
) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes], str]:
    api, base = start_api(env, tmp)
    worker = subprocess.Popen(
        [str(VENV_BIN / "rekha"), "worker", "--concurrency", "1", "--hostname", "bench@%h"],
        env=env,
        cwd=REPO,
        stdout=(tmp / "worker.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return api, worker, base


def run_job(
    client: httpx.Client, headers: dict[str, str], field: str, photo: bytes
) -> tuple[float, str]:
    """Seconds from sending the upload to seeing `completed`, and the analysis id."""
    started = time.perf_counter()
    response = client.post(
        "/api/v1/analyses",
        files=[(field, ("palm.jpg", photo, "image/jpeg"))],
        headers=headers,
    )
    if response.status_code != 202:
        sys.exit(f"upload failed: {response.status_code} {response.text}")
    analysis_id = response.json()["id"]
    deadline = started + JOB_TIMEOUT_S
    while time.perf_counter() < deadline:
        status = client.get(f"/api/v1/analyses/{analysis_id}/status").json()
        if status["status"] == "completed":
            return time.perf_counter() - started, analysis_id
        if status["status"] == "failed":
            sys.exit(f"job failed: {status}")
        time.sleep(POLL_INTERVAL_S)
    sys.exit("job did not complete in time")


async def poll_round(base: str, path: str, polls: int) -> list[float]:
    """POLLERS concurrent clients, each making `polls` sequential GETs; latencies in ms."""
    latencies: list[float] = []
    # One client (one keep-alive connection) per poller, as 200 browsers would be: a single
    # shared pool of 200 connections costs more client CPU than the server under test.
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(POLLERS)]
    try:

        async def poller(client: httpx.AsyncClient) -> None:
            for _ in range(polls):
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")

        # Open the connections first, so the round measures requests, not TCP set-up.
        for client in clients:
            await client.get("/healthz")
        await asyncio.wait_for(
            asyncio.gather(*(poller(client) for client in clients)), ROUND_TIMEOUT_S
        )
    finally:
        for client in clients:
            await client.aclose()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--polls", type=int, default=10, help="GETs per poller per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per endpoint")
    parser.add_argument("--record", action="store_true", help="write benchmarks/RESULTS.md")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="rekha-bench-jobs-"))
    redis_proc, redis_url = start_redis(tmp)
    api = worker = None
    results: dict[str, Any] = {}
    try:
        env = stack_env(tmp, redis_url, READING_PROVIDER="local")
        api, worker, base = start_processes(env, tmp)
        # Each fixture in the slot of the hand it shows.
        photos = [(f"{name.split('_')[0]}_image", (FIXTURES / name).read_bytes()) for name in PALMS]
        with httpx.Client(base_url=base, timeout=60) as client:
            client.get("/api/v1/auth/csrf-token").raise_for_status()
            headers = {"X-CSRF-Token": client.cookies["rekha_csrf"]}
            warmup, analysis_id = run_job(client, headers, *photos[0])
            timings = [
                run_job(client, headers, *photos[i % len(photos)])[0] for i in range(args.jobs)
            ]
        results["warmup"] = warmup
        results["jobs"] = timings

        status_path = f"/api/v1/analyses/{analysis_id}/status"
        latencies: dict[str, list[float]] = {"/healthz": [], "status": []}
        for _ in range(args.rounds):
            latencies["/healthz"] += asyncio.run(poll_round(base, "/healthz", args.polls))
            latencies["status"] += asyncio.run(poll_round(base, status_path, args.polls))
        results["latencies"] = latencies
    finally:
        for proc in (worker, api):
            if proc is not None:
                stop(proc, group=True)
        stop(redis_proc)
        shutil.rmtree(tmp, ignore_errors=True)

    jobs = results["jobs"]
    lat = results["latencies"]
    machine = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.1f} when it finished (a shared machine)"
    )
    per_endpoint = POLLERS * args.polls * args.rounds
    report = "\n".join(
        [
            SECTION,
            "",
            "A real `rekha serve` (one uvicorn process), a real `rekha worker` (local provider,",
            "concurrency 1), SQLite and a private Redis, over loopback HTTP.",
            "",
            "```",
            f".venv/bin/python benchmarks/jobs.py --jobs {args.jobs} --polls {args.polls} "
            f"--rounds {args.rounds} --record",
            "```",
            "",
            f"{machine}.",
            "",
            "Upload to completed (one palm photo, from sending the upload until GET /status",
            f"says `completed`, polled every {POLL_INTERVAL_S * 1000:.0f} ms; jobs one at a time"
            f" over {', '.join(PALMS)}):",
            "",
            "| jobs | median s | min s | max s | first job (model load) s |",
            "|---|---|---|---|---|",
            f"| {len(jobs)} | {statistics.median(jobs):.2f} | {min(jobs):.2f} | {max(jobs):.2f} "
            f"| {results['warmup']:.2f} |",
            "",
            f"Poll latency, {POLLERS} concurrent pollers, {per_endpoint} requests per endpoint "
            f"({args.rounds} alternating rounds of {POLLERS} x {args.polls}):",
            "",
            "| endpoint | p50 ms | p99 ms | max ms |",
            "|---|---|---|---|",
            *(
                f"| {name} | {percentile(values, 0.5):.1f} | {percentile(values, 0.99):.1f} "
                f"| {max(values):.1f} |"
                for name, values in (
                    ("GET /healthz (no I/O)", lat["/healthz"]),
                    ("GET /analyses/{id}/status (Redis)", lat["status"]),
                )
            ),
            "",
            "The client runs on the same machine as the server, so both share its cores; the",
            "/healthz row is the floor that machine, client and one uvicorn process set, and",
            "the difference is what reading the status from Redis costs.",
            "",
        ]
    )
    print(report)
    if args.record:
        record(SECTION, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
