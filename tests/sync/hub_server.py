"""Our hub in its own process for the sync tests: `python hub_server.py DATA_DIR gzip|plain`.

The player app (create_app) with a basic-auth pair for /xapi/, served by werkzeug on an ephemeral
port of 127.0.0.1; prints `READY <port>` once listening. `gzip`: with player.fleet.gzip_requests.GunzipRequests in
front of the app (gzip request bodies); `plain`: without it, as the player is before create_app installs it.
"""

from __future__ import annotations

import logging
import sys


def main() -> None:
    from synckit import gzip_or_not
    from werkzeug.serving import make_server

    from player import create_app

    data, mode = sys.argv[1], sys.argv[2]
    app = create_app({"DATA_DIR": data, "TESTING": True, "LRS_KEY": "hub", "LRS_SECRET": "hub-secret"})
    app.wsgi_app = gzip_or_not(app.wsgi_app, mode == "gzip")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(f"READY {server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
