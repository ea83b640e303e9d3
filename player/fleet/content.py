"""Content updates, the part both sides share: content hashes, file lists, the exchange's limits.

The hub publishes (player.fleet.publish), devices pull (player.fleet.pull), changed files travel
as deltas (player.fleet.delta).

Why it looks like this (docs/updates.md tells the long story):

* A device is online a few minutes a day on a slow line that drops. A new version of a course
  often changes one lesson, so the hub publishes, for every installed package, a
  *content-addressed file list* (path → sha256, size): a device that holds an older version
  fetches only the files whose hash it does not already hold, by hash
  (`GET /updates/files/<sha256>`, gzip-compressed), and takes every other file from its
  installed copy.
* A device that has never seen a package downloads the whole zip
  (`GET /updates/packages/<id>.zip`) into a partial file in its data folder, with HTTP Range
  requests and `If-Range`: a cut connection, or a run that ends, resumes where the bytes
  stopped instead of starting from zero.
* Nothing is trusted before it is checked: every file and every zip is verified against the
  hash in the catalogue, and the assembled package then goes through `library.import_zip`
  (member checks, manifest, atomic rename) like any zip from a USB key. That path keeps
  learners' progress, because attempts are keyed by the package identifier and standard.
* The hub publishes what it has installed. It does not keep the zips it imported, so it builds
  one deterministic zip per installed folder (sorted names, fixed dates) and caches it with its
  file list under `<data>/updates/published/`; a library folder's name carries its content hash,
  so the cache never goes stale.

The device talks HTTP with `player.fleet.sync`'s client (one kept-alive connection, every byte
counted, backoff with jitter) and authenticates like sync: basic auth checked by
`lrs.authenticate` on the hub.
"""

from __future__ import annotations

import re
from pathlib import Path

from packager.files import sha256_file

MAX_BATCH = 64  # files per /updates/files?want= request (URL of ~2 KB)
PREFIX = 16  # hex digits of a hash in a batch request: unique in any library, and the device checks all 64
GZIP_MIN = 512  # smaller files go plain: gzip would save less than its own header
DICT_ENCODING = "x-deflate-base"  # raw deflate with a file the device holds as preset dictionary (?base=sha)
SHA = re.compile(r"[0-9a-f]{64}")

FileList = dict[str, tuple[str, int]]  # path -> (sha256, size)


def folder_files(folder: Path) -> FileList:
    """Every file of an unpacked package (posix paths, sorted) with its sha256 and size."""
    out: FileList = {}
    if not folder.is_dir():
        return out
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        out[path.relative_to(folder).as_posix()] = (sha256_file(path), path.stat().st_size)
    return out
