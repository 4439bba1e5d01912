"""``python -m graphinv.ingest.worker``: the reading process of a big-file ingest.

Reads one pickled ``(InputFile, ChunkContext)`` from stdin and writes pickled
chunks to stdout (see :func:`graphinv.ingest.batches.work`). Started only by
:func:`graphinv.ingest.batches.file_chunks`; the pipe carries pickles, so it is
not a command for people.
"""

from __future__ import annotations

import gc
import os
import sys

from graphinv.ingest.batches import work

__all__: list[str] = []

if __name__ == "__main__":
    # A chunk is millions of small live objects and almost no cycles: with the default
    # thresholds the collector rescanned them so often that it took 40% of the
    # worker's time (two 50k-row chunks: 36.1 s of CPU, 24.2 s with these thresholds).
    gc.set_threshold(50_000, 20, 100)
    # The pipe gets its own descriptor and fd 1 becomes stderr: a stray print, from
    # Python or from native code, must not land in the middle of a message.
    pipe = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        work(sys.stdin.buffer, pipe)
    except KeyboardInterrupt:
        sys.exit(130)
