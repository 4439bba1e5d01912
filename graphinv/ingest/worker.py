"""``python -m graphinv.ingest.worker``: the reading process of a big-file ingest.

Reads one pickled ``(InputFile, ChunkContext)`` from stdin and writes pickled
chunks to stdout (see :func:`graphinv.ingest.batches.work`). Started only by
:func:`graphinv.ingest.batches.file_chunks`; the pipe carries pickles, so it is
not a command for people.
"""

from __future__ import annotations

import sys

from graphinv.ingest.batches import work

__all__: list[str] = []

if __name__ == "__main__":
    pipe = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the pickle stream
    try:
        work(sys.stdin.buffer, pipe)
    except KeyboardInterrupt:
        sys.exit(130)
