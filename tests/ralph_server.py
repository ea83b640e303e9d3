"""Run Ralph LRS (PyPI `ralph-malph`) on its file-system backend for the e2e and sync tests.

    python tests/ralph_server.py PORT

Configuration comes from the environment (RALPH_RUNSERVER_BACKEND=fs, RALPH_AUTH_FILE,
RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH …; see tests/e2e/conftest.py and
tests/sync/synckit.py). One change to the stock
server: its file-system backend creates its JSON-lines file on the first write and refuses every
later one (its default operation type is "create"); an LRS must accept statements all along,
so this launcher makes it append instead.
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
