"""Ralph LRS (PyPI `ralph-malph`) on its file-system backend for the sync tests: `python ralph_server.py PORT`.

Configuration comes from the environment (RALPH_RUNSERVER_BACKEND=fs, RALPH_AUTH_FILE, the fs
directory; see synckit.RalphProcess). The stock file-system backend writes with the "create"
operation type: it makes its JSON-lines file on the first write and refuses every later write.
An LRS must take statements all along, so this launcher makes the backend append.
"""

from __future__ import annotations

import sys


def main() -> None:
    port = int(sys.argv[1])
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.data.fs import FSDataBackend

    FSDataBackend.default_operation_type = BaseOperationType.APPEND

    import uvicorn

    uvicorn.run("ralph.api:app", host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")


if __name__ == "__main__":
    main()
