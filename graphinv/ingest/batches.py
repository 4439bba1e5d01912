"""Batches: one file's records read, extracted and shaped for the store, chunk by chunk.

Reading and normalizing is pure-Python CPU work and writing is mostly the
store's own, so for big files the chunks are built in a worker process while
the calling process writes the previous one (:func:`file_chunks`). Both ways
run the same :func:`build_chunks`, so they produce the same chunks; the worker
(``python -m graphinv.ingest.worker``) sends them as length-prefixed pickles over
a pipe, so it is at most one chunk ahead of the writer.

>>> import tempfile, pathlib
>>> from graphinv.ingest.read import file_info
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.csv").write_text("shop_id,platform,phone\\nS1,ebay,+1 212 555 0100\\n,,+1 212\\n")
>>> ctx = ChunkContext(source="t", run_id="r1", at="2026-01-01T00:00:00+00:00")
>>> chunks = list(file_chunks(file_info(d / "a.csv"), ctx))
>>> [(c.read, c.loaded, [r[2] for r in c.rejects]) for c in chunks]
[(2, 1, ['identifiers without a shop, seller or supplier to attach them to'])]
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graphinv import schema
from graphinv._collector import collector_paused
from graphinv.errors import InputError, SchemaError
from graphinv.ingest.extract import ExtractOptions, RowGraph, RowRejected, extract_row
from graphinv.ingest.mapping import (
    IDENTIFIER_FIELDS,
    Mapping,
    builtin_mapping,
    load_mapping,
    sniff_field,
)
from graphinv.ingest.read import InputFile, Record, Reject, read_file
from graphinv.ingest.shopurl import ShopUrlIndex, combine
from graphinv.store.base import Store, evidence_frame, evidence_key, evidence_raw
from graphinv.store.statements import ShapedRows, shape_node_rows

__all__ = ["Batch", "Chunk", "ChunkContext", "build_chunks", "extract_options", "file_chunks",
           "work", "PARALLEL_MIN_BYTES"]

#: Files smaller than this are read in-process: starting a worker costs ~1 s.
PARALLEL_MIN_BYTES = 4 << 20


@dataclass
class ChunkContext:
    """What every chunk of a run shares (it must pickle: workers receive it)."""

    source: str
    run_id: str
    at: str
    mapping_path: Path | None = None
    encoding: str | None = None
    batch_rows: int = 20_000
    #: ``None``: a worker for files of at least PARALLEL_MIN_BYTES when there are
    #: two or more CPUs; ``True``/``False`` force it on or off.
    parallel: bool | None = None
    #: Keep each record and the lines behind each node, to name the records of rows a
    #: store refuses one by one (Neo4j). A store that never refuses rows saves the memory
    #: and the transfer from the worker (a third of a chunk's pickle).
    keep_records: bool = True
    #: ``--country``: ISO code (or name) for rows without a country; beats the mapping's.
    default_country: str | None = None
    #: ``--day-first`` / ``--month-first``: beats the mapping's ``date_order``.
    date_order: str | None = None
    #: Shops known by id and URL before this file (earlier files, the store): set for a
    #: worker, which cannot ask the writing process while it reads.
    shop_urls: ShopUrlIndex | None = None


class Batch:
    """Node and relationship rows of one chunk, shaped for the store."""

    def __init__(self) -> None:
        self.nodes: dict[str, Any] = defaultdict(list)
        self.rels: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        self.records = 0
        self.recs: dict[int, Record] = {}
        self._node_lines: dict[tuple[str, str], list[int]] = defaultdict(list)

    def add(self, g: RowGraph, *, info: InputFile, line: int, ctx: ChunkContext) -> None:
        self.records += 1
        run = ctx.run_id
        keep = ctx.keep_records
        for e in g.entities:
            if keep:
                self._node_lines[(e.label, e.key)].append(line)
            row = {"key": e.key, "raw": e.raw, "issue_list": list(e.issues), "run": run,
                   **e.props}
            if e.label == "Shop" and g.issues:
                row["issue_list"] = list(dict.fromkeys(list(e.issues) + g.issues))[:20]
            if e.label in ("Shop", "Seller"):
                row["seen"] = g.seen
            self.nodes[e.label].append(row)
        if not g.links:
            return
        ek = evidence_key(info.sha256, line)
        head, tail = evidence_frame(source=ctx.source, file=info.path.name, line=line,
                                    run=run, at=ctx.at)
        for lk in g.links:
            self.rels[(lk.rel, lk.src_label, lk.dst_label)].append(
                {"src": lk.src_key, "dst": lk.dst_key, "ek": ek,
                 "ej": head + evidence_raw(lk.raw) + tail, "run": run})

    def shape(self) -> None:
        """Combine node rows by key now (in the process that built the batch)."""
        for label, rows in list(self.nodes.items()):
            if not isinstance(rows, ShapedRows):
                self.nodes[label] = ShapedRows(shape_node_rows(label, rows))

    def write(self, store: Store) -> dict[int, str]:
        """Write the chunk; return ``{line: reason}`` for records whose rows the
        store refused one by one (they are then rejects, not loaded)."""
        refused: dict[int, str] = {}

        def hook(kind: str) -> Callable[[Any, str], None]:
            def on_reject(row: Any, reason: str) -> None:
                if "key" in row:
                    lines = self._node_lines.get((kind, row["key"]), [])
                else:
                    ek = row.get("ek") or ""
                    lines = [int(ek.rsplit(":", 1)[1])] if ":" in ek else []
                for ln in lines:
                    refused.setdefault(ln, f"{kind} row refused by the store: {reason}")
            return on_reject

        # Every kind the schema declares, in its order; a label it does not know is a bug
        # upstream, never a node silently left unwritten.
        unknown = sorted(set(self.nodes) - set(schema.NODE_KINDS))
        if unknown:
            raise SchemaError("node kind not in the schema", value=", ".join(unknown),
                              hint="declare it in graphinv/schema.py")
        for label in schema.NODE_KINDS:
            if self.nodes.get(label):
                with store.rejecting(hook(label)):
                    store.merge_nodes(label, self.nodes[label])
        for (rel, src, dst), rows in sorted(self.rels.items()):
            with store.rejecting(hook(rel)):
                store.merge_rels(rel, src, dst, rows)
        return refused


@dataclass
class Chunk:
    """Up to ``batch_rows`` records of one file, extracted: what the writer needs."""

    read: int = 0
    loaded: int = 0
    #: ``(file, line, reason, raw)`` of records that could not be read or extracted.
    rejects: list[tuple[str, int, str, str]] = field(default_factory=list)
    issues: Counter[str] = field(default_factory=Counter)
    #: Values that never became nodes, ``"<reason>: <Label>"`` -> count.
    ignored: Counter[str] = field(default_factory=Counter)
    #: Per-file hints (``phones had no country``) -> count.
    hints: Counter[str] = field(default_factory=Counter)
    #: Shops of rows giving both id and URL, by URL identity (for URL-only rows of later
    #: files).
    shop_urls: ShopUrlIndex = field(default_factory=ShopUrlIndex)
    #: Same shop id with another name or seller (first row wins).
    conflicts: list[list[Any]] = field(default_factory=list)
    batch: Batch = field(default_factory=Batch)
    #: CPU seconds spent reading, extracting and shaping this chunk.
    seconds: float = 0.0
    encoding: str | None = None
    mapping: str = ""
    unmapped: list[str] = field(default_factory=list)
    #: Unmapped column → the field its values look like (a warning, never applied).
    column_hints: dict[str, str] = field(default_factory=dict)


def raw_of(rec: Record) -> str:
    """A record as it goes into the rejects file: its text as written in the file."""
    if rec.raw:
        return rec.raw[:2000]
    return json.dumps(rec.fields, ensure_ascii=False)[:2000]  # a record built in code


def build_chunks(info: InputFile, ctx: ChunkContext, mapping: Mapping | None = None,
                 known_shop: Callable[[str], str | None] | None = None) -> Iterator[Chunk]:
    """The chunks of one file, in order, built in this process."""
    if mapping is None and ctx.mapping_path is not None:
        mapping = load_mapping(ctx.mapping_path)
    state = _FileState()
    chunk = Chunk()
    t0 = time.process_time()
    for item in _records(info, ctx, mapping, state, known_shop):
        chunk.read += 1
        if isinstance(item, Reject):
            chunk.rejects.append((item.file, item.line, item.reason, item.raw))
        else:
            rec, g = item
            if isinstance(g, str):
                chunk.rejects.append((rec.file, rec.line, g, raw_of(rec)))
            else:
                chunk.loaded += 1
                for e in g.entities:
                    for i in e.issues:
                        chunk.issues[f"{e.label}: {i}"] += 1
                    if e.label == "Phone" and "no_country" in e.issues:
                        chunk.hints["phone_no_country"] += 1
                for i in g.issues:
                    chunk.issues[i.split(" '")[0]] += 1
                chunk.ignored.update(g.ignored)
                if g.shop_url_key is not None:
                    shop = next(e for e in g.entities if e.label == "Shop")
                    chunk.shop_urls.add(g.shop_url_key, shop.key)
                _note_conflict(g, state.shops_seen, rec, chunk.conflicts)
                if ctx.keep_records:
                    chunk.batch.recs[rec.line] = rec
                chunk.batch.add(g, info=info, line=rec.line, ctx=ctx)
        if chunk.read >= ctx.batch_rows:
            yield _finish(chunk, state, info, t0)
            chunk = Chunk()
            t0 = time.process_time()
    if chunk.read:
        yield _finish(chunk, state, info, t0)


def _finish(chunk: Chunk, state: _FileState, info: InputFile, t0: float) -> Chunk:
    chunk.batch.shape()
    chunk.encoding = info.encoding
    chunk.mapping = state.mapping
    chunk.unmapped = sorted(state.unmapped)
    chunk.column_hints = {c: f for c in chunk.unmapped
                          if (f := sniff_field(state.samples.get(c, ()))) is not None}
    chunk.seconds = time.process_time() - t0
    return chunk


@dataclass
class _FileState:
    shops_seen: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    mapping: str = ""
    unmapped: set[str] = field(default_factory=set)
    #: A few non-empty values of each unmapped column (for :func:`sniff_field`).
    samples: dict[str, list[str]] = field(default_factory=dict)
    sampling: set[str] = field(default_factory=set)


_SAMPLES = 30


def _sample(state: _FileState, fields: dict[str, Any]) -> None:
    for c in list(state.sampling):
        v = fields.get(c)
        if isinstance(v, list):
            v = next((x for x in v if x), None)
        if v:
            got = state.samples.setdefault(c, [])
            got.append(str(v))
            if len(got) >= _SAMPLES:
                state.sampling.discard(c)


def _records(info: InputFile, ctx: ChunkContext, mapping: Mapping | None,
             state: _FileState, known_shop: Callable[[str], str | None] | None = None,
             ) -> Iterator[Reject | tuple[Record, RowGraph | str]]:
    """Records of one file, each already extracted (or its reject reason)."""
    cache: dict[tuple[str, ...], Mapping | None] = {}
    urls = ShopUrlIndex()  # this file's shops given by id, by URL identity
    if known_shop is None and ctx.shop_urls is not None:
        known_shop = ctx.shop_urls.find  # in a worker: the run's and the store's, at start

    def known(url: str) -> str | None:
        return combine(urls.find(url), known_shop(url) if known_shop is not None else None)

    # JSON records each bring their own keys: one record without a recognized key is a
    # rejected row (it failed the whole file), a CSV header without one a file error.
    per_record = info.kind in ("jsonl", "json")
    options: dict[int, ExtractOptions] = {}
    for item in read_file(info.path, encoding=ctx.encoding, info=info):
        if isinstance(item, Reject):
            yield item
            continue
        m = mapping
        if m is None:
            cols = tuple(item.fields)
            if cols in cache:
                m = cache[cols]
            else:
                m = builtin_mapping(list(cols))
                if not _useful(m):
                    if not per_record:
                        _require_useful(m, info, cols)
                    m = None
                else:
                    state.unmapped |= set(m.unmapped)
                    state.sampling |= set(m.unmapped)
                cache[cols] = m
            if m is None:
                keys = ", ".join(cols)[:200] or "none"
                yield item, (f"no recognized field in the record (keys: {keys}); name "
                             "keys like shop_id, seller_name, phone — or pass --mapping FILE")
                continue
        else:
            cols = tuple(item.fields)
            if cols not in cache:
                if not cache:
                    m.check_columns(info.header, str(info.path))
                cache[cols] = m
                # Columns a mapping file leaves out are ignored too: list them as well.
                used = {f.column for f in m.fields.values() if f.column is not None}
                new = {c for c in cols if c not in used}
                state.unmapped |= new
                state.sampling |= new
        if state.sampling:
            _sample(state, item.fields)
        state.mapping = m.origin
        opts = options.get(id(m))
        if opts is None:
            opts = options[id(m)] = replace(extract_options(m, ctx), known_shop=known)
        try:
            g = extract_row(m.extract(item.fields), link_to=m.link_to, options=opts)
        except RowRejected as exc:
            yield item, str(exc)
            continue
        if g.shop_url_key is not None:
            urls.add(g.shop_url_key, next(e.key for e in g.entities if e.label == "Shop"))
        yield item, g


def extract_options(m: Mapping, ctx: ChunkContext) -> ExtractOptions:
    """Extraction settings of one file: the command line beats the mapping."""
    from graphinv.ingest.placeholders import Placeholders

    return ExtractOptions(placeholders=Placeholders(m.placeholders),
                          default_country=ctx.default_country or m.default_country,
                          date_order=ctx.date_order or m.date_order)


def records(info: InputFile, ctx: ChunkContext,
            mapping: Mapping | None) -> Iterator[Reject | tuple[Record, RowGraph | str]]:
    """Every record of ``info`` with its extraction (``--strict`` validation)."""
    return _records(info, ctx, mapping, _FileState())


def _useful(m: Mapping) -> bool:
    return bool({"shop_id", "seller_name", *IDENTIFIER_FIELDS} & set(m.fields))


def _require_useful(m: Mapping, info: InputFile, cols: tuple[str, ...]) -> None:
    if not _useful(m):
        raise InputError(
            "no recognizable columns", value=f"{info.path}: {', '.join(cols)[:300]}",
            hint="name columns like shop_id, seller_name, phone, email, address, "
            "payment_account, supplier — or pass --mapping FILE",
        )


def _note_conflict(g: RowGraph, seen: dict[str, tuple[Any, ...]], rec: Record,
                   out: list[list[Any]]) -> None:
    """Same shop id, different name or seller: first row wins, the clash is reported."""
    shop = next((e for e in g.entities if e.label == "Shop"), None)
    if shop is None:
        return
    seller = next((e.props.get("name") for e in g.entities if e.label == "Seller"), None)
    sig = (shop.props.get("name"), seller)
    first = seen.get(shop.key)
    if first is None:
        seen[shop.key] = (*sig, rec.line)
        return
    for i, fname in enumerate(("shop_name", "seller_name")):
        if sig[i] and first[i] and sig[i] != first[i]:
            out.append([rec.file, rec.line, shop.props.get("shop_id"), fname, first[i], sig[i],
                        first[2]])


# -- the worker ---------------------------------------------------------------

def file_chunks(info: InputFile, ctx: ChunkContext, mapping: Mapping | None = None,
                known_shop: Callable[[str], str | None] | None = None,
                known_index: Callable[[], ShopUrlIndex] | None = None) -> Iterator[Chunk]:
    """The chunks of one file: from a worker process for big files, else in-process.

    A given mapping object is only used in-process; a worker loads
    ``ctx.mapping_path`` itself. ``known_shop`` (URL identity -> shop key of earlier
    files and the store, see :class:`~graphinv.ingest.shopurl.ShopUrlIndex`) is asked
    row by row in-process; a worker gets ``known_index()`` (the same answers, taken
    when the file starts), so URL-only rows join the same shops either way.
    """
    if not _use_worker(info, ctx, mapping):
        yield from build_chunks(info, ctx, mapping, known_shop)
        return
    if known_index is not None:
        ctx = replace(ctx, shop_urls=known_index())
    yield from _from_worker(info, ctx)


def _use_worker(info: InputFile, ctx: ChunkContext, mapping: Mapping | None) -> bool:
    if ctx.parallel is not None:
        return ctx.parallel and (mapping is None or ctx.mapping_path is not None)
    if mapping is not None and ctx.mapping_path is None:
        return False
    return (os.cpu_count() or 1) >= 2 and info.size >= PARALLEL_MIN_BYTES


def _from_worker(info: InputFile, ctx: ChunkContext) -> Iterator[Chunk]:
    # A fresh interpreter (``python -m graphinv.ingest.worker``) rather than
    # multiprocessing: spawn would re-run the caller's ``__main__`` and fork would
    # copy the store's native threads and locks. The pipe is the bounded queue:
    # the worker blocks once one chunk is ahead of the writer.
    proc = subprocess.Popen(
        [sys.executable, "-m", "graphinv.ingest.worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        pickle.dump((info, ctx), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.close()
        while True:
            kind, payload = _next_message(proc.stdout, proc)
            if kind == "chunk":
                yield payload
            elif kind == "error":
                raise payload
            else:
                info.encoding = payload.encoding
                info.header = payload.header
                return
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()


def _next_message(stream: Any, proc: Any) -> tuple[str, Any]:
    """One length-prefixed pickle from the worker (whole messages only: a failure
    to pickle on the worker's side never leaves half a message in the pipe)."""
    head = _read_exactly(stream, _HEAD.size)
    blob = _read_exactly(stream, _HEAD.unpack(head)[0]) if head is not None else None
    problem = ""
    if blob is not None:
        try:
            # Unpickling a chunk creates ~a million acyclic objects (2.8 s -> 0.5 s
            # for a 50k-record chunk with the collector paused).
            with collector_paused():
                msg: tuple[str, Any] = pickle.loads(blob)
            return msg
        except (pickle.UnpicklingError, EOFError, ValueError) as exc:
            problem = f"; unreadable message: {exc}"
    if proc.poll() is None:  # alive but its stream is unusable: never wait on it
        proc.kill()
    code = proc.wait()
    raise InputError(
        "the reading worker stopped", value=f"exit code {code}{problem}",
        hint="rerun the same command to resume; if it repeats, check memory "
        "or set GRAPHINV_INGEST_WORKER=0 to read in-process",
    )


_HEAD = struct.Struct(">Q")


def _read_exactly(stream: Any, n: int) -> bytes | None:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            return None
        got += k
    return bytes(buf)


def _send(stdout: Any, msg: tuple[str, Any]) -> None:
    blob = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    stdout.write(_HEAD.pack(len(blob)))
    stdout.write(blob)
    stdout.flush()


def work(stdin: Any, stdout: Any) -> None:
    """Worker body: read ``(info, ctx)``, send every chunk; errors travel too."""
    info, ctx = pickle.load(stdin)
    try:
        for chunk in build_chunks(info, ctx):
            _send(stdout, ("chunk", chunk))
        _send(stdout, ("done", info))
    except (KeyboardInterrupt, BrokenPipeError):
        return  # the parent got the same Ctrl-C, or is gone: it reports
    except Exception as exc:  # noqa: BLE001 - sent to the parent, which raises it
        try:
            _send(stdout, ("error", exc))
        except BrokenPipeError:
            return
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            _send(stdout, ("error", InputError("reading failed",
                                               value=f"{info.path}: {exc}")))
