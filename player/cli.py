"""`python -m player serve|import|trainer-password|reindex|sync|update`: the player's command line."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from packager.packages import PackageError


def _app(args: argparse.Namespace):  # noqa: ANN202
    from player import create_app

    config = {}
    if args.data:
        config["DATA_DIR"] = args.data
    if getattr(args, "import_dir", None):
        config["IMPORT_DIRS"] = [str(Path(d).resolve()) for d in args.import_dir]
    if getattr(args, "hub", False):
        config["HUB"] = True
    return create_app(config)


def serve(args: argparse.Namespace) -> int:
    from player import server as wsgi
    from player.fleet import pull, sync, sync_loop
    from player.learning import library

    app = _app(args)
    stop = threading.Event()
    if sync_loop.start_background(app, stop):  # when SYNC_ENDPOINT / RUCHE_SYNC_ENDPOINT is set
        print(f"syncing to {sync.settings(app)[0]} in the background", flush=True)
    # In hub mode SYNC_ENDPOINT is the upstream LRS, which publishes no /updates.
    if not app.config.get("HUB") and pull.start_background(app, stop):
        print(f"pulling content updates from {pull.settings(app)[0]}", flush=True)
    if app.config["IMPORT_DIRS"]:
        with app.app_context():  # import what is already there before the first request
            for folder in app.config["IMPORT_DIRS"]:
                for name, message, ok in library.scan_folder(folder):
                    print(f"{'imported' if ok else 'REFUSED'} {name}: {message}", flush=True)
        library.watch(app, stop)
    with app.app_context():
        from player.web import auth

        if not auth.trainer_exists():
            print(
                f"no trainer password yet: setup code {auth.new_setup_code()} "
                "(type it on /admin/login with the password you choose, or run `trainer-password`)",
                flush=True,
            )
    server = wsgi.create(app, args.host, args.port)
    print(f"Ruche player on http://{args.host}:{server.effective_port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.close()
    return 0


def import_(args: argparse.Namespace) -> int:
    from player.learning import library

    app = _app(args)
    status = 0
    with app.app_context():
        for name in args.files:
            try:
                result = library.import_zip(Path(name))
                print(f"{name}: {result.message()}")
            except PackageError as exc:
                print(f"{name}: refused: {exc.message}", file=sys.stderr)
                status = 1
    return status


def trainer_password(args: argparse.Namespace) -> int:
    from player.web import auth

    app = _app(args)
    password = getpass.getpass("Trainer password (8+ characters): ") if sys.stdin.isatty() else sys.stdin.readline()
    with app.app_context():
        try:
            auth.set_trainer_password(password.rstrip("\n"))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 1
    print("trainer password set")
    return 0


def reindex(args: argparse.Namespace) -> int:
    from player.learning import search

    app = _app(args)
    with app.app_context():
        print(f"{search.rebuild()} documents indexed")
    return 0


def print_progress(stream: TextIO | None = None) -> Callable[[int, int], None]:
    """A progress callback writing `sync: 250/1000` (one line, rewritten in place on a terminal)."""
    out = stream or sys.stderr
    tty = out.isatty()

    def show(done: int, total: int) -> None:
        start = "\r" if tty else ""
        end = "" if tty and done < total else "\n"
        out.write(f"{start}sync: {done}/{total}{end}")
        out.flush()

    return show


def _given_auth(app: Any, key: str | None, secret: str | None) -> tuple[str, str]:
    """--key / --secret, the missing half taken from SYNC_KEY / SYNC_SECRET (config, else RUCHE_SYNC_*)."""
    config = getattr(app, "config", {}) or {}
    known_key = config.get("SYNC_KEY") or os.environ.get("RUCHE_SYNC_KEY") or ""
    known_secret = config.get("SYNC_SECRET") or os.environ.get("RUCHE_SYNC_SECRET") or ""
    return (key or known_key, secret if secret is not None else known_secret)


def sync_command(
    app: Any,
    *,
    endpoint: str | None = None,
    key: str | None = None,
    secret: str | None = None,
    batch_size: int = 250,
    timeout: float = 30.0,
    show_status: bool = False,
    retry_refused: bool = False,
    quiet: bool = False,
    out: TextIO | None = None,
) -> int:
    """`python -m player sync`: one run with a progress line and a summary; exit status 0 when all is sent."""
    from player.fleet import sync, sync_status

    out = out or sys.stdout
    if show_status:
        state = sync_status.status(app)
        out.write(json.dumps(state, ensure_ascii=False, indent=2) + "\n")
        return 0
    if retry_refused:
        out.write(f"{sync_status.retry_rejected(app)} refused statement(s) back in the queue\n")
    configured, auth = sync.settings(app)
    endpoint = endpoint or configured
    if key or secret:
        auth = _given_auth(app, key, secret)
    if not endpoint:
        out.write("no remote: give --endpoint URL or set SYNC_ENDPOINT / RUCHE_SYNC_ENDPOINT\n")
        return 2
    try:
        result = sync.sync(
            app,
            endpoint,
            auth,
            batch_size=batch_size,
            timeout=timeout,
            progress=None if quiet else print_progress(),
        )
    except sync.SyncError as exc:
        out.write(f"{exc}\n")
        return 2
    out.write(result.line() + "\n")
    return 0 if result.ok else 1


def update_command(
    app: Any,
    *,
    endpoint: str | None = None,
    key: str | None = None,
    secret: str | None = None,
    timeout: float = 30.0,
    out: TextIO | None = None,
) -> int:
    """`python -m player update`: one pull and its summary line; 0 when everything is installed."""
    from player.fleet import pull

    out = out or sys.stdout
    configured, auth = pull.settings(app)
    endpoint = endpoint or configured
    if key:
        auth = _given_auth(app, key, secret)
    if not endpoint:
        out.write("no hub: give --endpoint URL or set UPDATES_ENDPOINT / SYNC_ENDPOINT\n")
        return 2
    result = pull.pull_updates(app, endpoint, auth, timeout=timeout)
    out.write(result.line() + "\n")
    for name, why in result.refused:
        out.write(f"  refused {name}: {why}\n")
    return 0 if result.ok else 1


def sync_(args: argparse.Namespace) -> int:
    return sync_command(
        _app(args),
        endpoint=args.endpoint,
        key=args.key,
        secret=args.secret,
        batch_size=args.batch_size,
        timeout=args.timeout,
        show_status=args.status,
        retry_refused=args.retry_refused,
        quiet=args.quiet,
    )


def update_(args: argparse.Namespace) -> int:
    return update_command(_app(args), endpoint=args.endpoint, key=args.key, secret=args.secret, timeout=args.timeout)


def _remote_options(parser: argparse.ArgumentParser, endpoint_help: str) -> None:
    """`sync` and `update` reach the hub the same way: an endpoint and the same basic-auth pair."""
    parser.add_argument("--endpoint", help=endpoint_help)
    parser.add_argument("--key", help="basic-auth key (default: SYNC_KEY / RUCHE_SYNC_KEY)")
    parser.add_argument("--secret", help="basic-auth secret (better: RUCHE_SYNC_SECRET in the environment)")


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m player", description="Ruche offline player")
    parser.add_argument("--data", help="data folder (database, library, index); default: instance/ or $RUCHE_DATA")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="start the player")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--import-dir", action="append", help="folder watched for package zips (repeatable)")
    p.add_argument("--hub", action="store_true", help="hub mode: devices sync into this player (docs/hub.md)")
    p.set_defaults(func=serve)
    p = sub.add_parser("import", help="import package zips")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=import_)
    p = sub.add_parser("trainer-password", help="set the trainer password (read from the terminal or stdin)")
    p.set_defaults(func=trainer_password)
    p = sub.add_parser("reindex", help="rebuild the search index")
    p.set_defaults(func=reindex)
    p = sub.add_parser("sync", help="send the outbox to the hub or any xAPI LRS (see docs/sync.md)")
    _remote_options(p, "LRS base URL, e.g. http://hub:5000/xapi (default: SYNC_ENDPOINT)")
    p.add_argument("--batch-size", type=int, default=250, help="statements per request (default 250)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait on the network (default 30)")
    p.add_argument("--status", action="store_true", help="show what waits, what was refused, the last runs")
    p.add_argument("--retry-refused", action="store_true", help="queue statements a remote refused again")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=sync_)
    p = sub.add_parser("update", help="pull new and changed packages from the hub (see docs/updates.md)")
    _remote_options(p, "hub URL, e.g. http://hub:5000/updates (default: from SYNC_ENDPOINT)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait on the network (default 30)")
    p.set_defaults(func=update_)
    args = parser.parse_args(argv)
    return args.func(args)
