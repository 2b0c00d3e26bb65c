"""`rekha` command line: serve | worker | beat | migrate | measure | analyze."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str | None = None) -> object:
    from alembic.config import Config

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from rekha.settings import get_settings

    settings = get_settings()
    uvicorn.run(
        "rekha.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,  # our JSON logging, configured by the app factory
        proxy_headers=settings.trust_forwarded_for,
        timeout_graceful_shutdown=10,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from rekha.worker import celery_app

    argv = [
        "worker",
        "--queues",
        args.queues,
        "--concurrency",
        str(args.concurrency),
        "--loglevel",
        args.loglevel,
        "--without-gossip",
        "--without-mingle",
    ]
    if args.beat:
        argv.append("--beat")
    if args.hostname:
        argv += ["--hostname", args.hostname]
    celery_app.worker_main(argv)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from alembic import command

    config = alembic_config()
    if args.downgrade:
        command.downgrade(config, args.revision or "base")  # type: ignore[arg-type]
    else:
        command.upgrade(config, args.revision or "head")  # type: ignore[arg-type]
    return 0


def cmd_measure(args: argparse.Namespace) -> int:
    from rekha.reading.vision.cli import measure_command

    return measure_command(args.files, as_json=args.json, out_dir=args.out)


def cmd_analyze(args: argparse.Namespace) -> int:
    from rekha.reading.interpret.cli import analyze_command
    from rekha.reading.types import Focus

    if not args.left and not args.right:
        print("rekha analyze: give --left and/or --right", file=sys.stderr)
        return 2
    return analyze_command(
        args.left, args.right, focus=Focus(args.focus), as_json=args.json, out_dir=args.out
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rekha", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API (and the built web UI)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="API processes")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run a Celery worker")
    worker.add_argument("--queues", default="analysis,images,default")
    worker.add_argument("--concurrency", type=int, default=1)
    worker.add_argument("--loglevel", default="INFO")
    worker.add_argument("--hostname", default=None)
    worker.add_argument("--beat", action="store_true", help="also run the periodic checks")
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="upgrade the database schema")
    migrate.add_argument("--revision", default=None)
    migrate.add_argument("--downgrade", action="store_true")
    migrate.set_defaults(func=cmd_migrate)

    measure = sub.add_parser("measure", help="measure palm photos (lines, geometry)")
    measure.add_argument("files", nargs="+", type=Path)
    measure.add_argument("--json", action="store_true", help="one JSON object per file per line")
    measure.add_argument("--out", type=Path, default=None, help="write overlays here")
    measure.set_defaults(func=cmd_measure)

    analyze = sub.add_parser("analyze", help="read palms: measure and interpret")
    analyze.add_argument("--left", type=Path, default=None)
    analyze.add_argument("--right", type=Path, default=None)
    analyze.add_argument(
        "--focus", default="general", choices=["general", "life", "love", "career", "health"]
    )
    analyze.add_argument("--json", action="store_true")
    analyze.add_argument("--out", type=Path, default=None, help="write overlays here")
    analyze.set_defaults(func=cmd_analyze)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
