"""The production WSGI server: waitress, with bounded threads, connections and timeouts.

Werkzeug's development server started a thread per connection with no timeout: 1,000 half-open
connections made 1,003 threads (issue 10). Waitress is pure Python and runs unchanged on the
Windows laptops and the Raspberry Pis of community centres (gunicorn runs on Unix only); a fixed
pool of threads serves the requests, its event loop holds the sockets, idle ones are closed.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from waitress.server import create_server

# The defaults; the app's config, else a RUCHE_<name> environment variable, overrides each.
SETTINGS = {
    "SERVER_THREADS": 8,  # requests served at once; a device has a few learners, a hub a few devices at a time
    "SERVER_CONNECTION_LIMIT": 500,  # open sockets, idle or not (file descriptors: 1,024 is a common cap)
    "SERVER_CHANNEL_TIMEOUT": 30,  # seconds a connection may stay silent before it is closed
}


def create(app: Flask, host: str, port: int) -> Any:
    """A waitress server for `app` on host:port (port 0: any free port, see `.effective_port`)."""
    conf = {key: app.config.get(key) or os.environ.get(f"RUCHE_{key}") or default for key, default in SETTINGS.items()}
    return create_server(
        app,
        host=host,
        port=port,
        threads=int(conf["SERVER_THREADS"]),
        connection_limit=int(conf["SERVER_CONNECTION_LIMIT"]),
        channel_timeout=int(conf["SERVER_CHANNEL_TIMEOUT"]),
        cleanup_interval=max(1, int(conf["SERVER_CHANNEL_TIMEOUT"]) // 2),  # how often silent ones are closed
        max_request_header_size=64 * 1024,
        max_request_body_size=int(app.config["MAX_CONTENT_LENGTH"]),
        ident="Ruche",
        clear_untrusted_proxy_headers=True,
    )
