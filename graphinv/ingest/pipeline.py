"""Ingest: files → normalized, resolved, provenance-tracked graph.

Every record is either loaded or written to ``<data-dir>/rejects/<run>.csv``
with file, line, reason and raw text, and the report reconciles
``read == loaded + rejected``. Writes are idempotent MERGEs keyed by normalized
identifiers and evidence keys (file checksum + line), so rerunning after a crash,
Ctrl-C or a lost connection ends in the same graph as an uninterrupted run.

>>> import tempfile, pathlib
>>> from graphinv.config import StoreConfig
>>> from graphinv.store import open_store
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.csv").write_text("shop_id,platform,phone\\nS1,ebay,+1 212 555 0100\\n")
>>> with open_store(StoreConfig.from_values(data_dir=d / "data")) as st:
...     rep = ingest_paths(st, [d / "a.csv"], IngestOptions(data_dir=d / "data"))
>>> rep.read, rep.loaded, rep.rejected, rep.nodes_new["Shop"], rep.links_new["USES_PHONE"]
(1, 1, 0, 1, 1)
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import json
import os
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graphinv import schema
from graphinv.errors import InputError, UsageError
from graphinv.ingest.batches import ChunkContext, file_chunks, raw_of, records
from graphinv.ingest.extract import RowRejected
from graphinv.ingest.flags import flag_target, looks_like_flags
from graphinv.ingest.mapping import Mapping, load_mapping
from graphinv.ingest.read import InputFile, Record, Reject, discover, file_info, read_file
from graphinv.ingest.runfiles import (
    _Checkpoint,
    _Rejects,
    run_lock,
)
from graphinv.ingest.shopmerge import merge_url_shops, stored_shop_urls
from graphinv.ingest.shopurl import ShopUrlIndex, combine
from graphinv.store.base import Store

__all__ = ["IngestOptions", "IngestReport", "FileReport", "ingest_paths", "new_run_id",
           "check_inputs"]

Progress = Callable[[int], None]


def new_run_id(now: _dt.datetime | None = None) -> str:
    """``YYYYMMDDTHHMMSSZ-<6 hex>``: sorts by time, unique per run."""
    now = now or _dt.datetime.now(_dt.UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


@dataclass
class IngestOptions:
    """How to ingest. ``data_dir`` holds rejects, conflicts and run checkpoints."""

    data_dir: Path = Path("graphinv-data")
    source: str | None = None
    mapping: Path | None = None
    flags: list[Path] = field(default_factory=list)
    dry_run: bool = False
    strict: bool = False
    encoding: str | None = None
    resolve: bool = True
    batch_rows: int = 20_000
    #: ISO code (or name) for rows without a country (``--country``).
    default_country: str | None = None
    #: ``day-first`` / ``month-first``: how ``NN/NN/YYYY`` dates are read.
    date_order: str | None = None
    #: Read and extract big files in a worker process while this one writes.
    #: ``None``: automatic (files of 4 MiB and more, two or more CPUs, unless
    #: ``GRAPHINV_INGEST_WORKER=0``); ``True``/``False`` force it.
    worker: bool | None = None


@dataclass
class FileReport:
    path: str
    sha256: str
    kind: str
    encoding: str | None = None
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    role: str = "records"
    mapping: str = ""
    unmapped: list[str] = field(default_factory=list)
    #: Unmapped column → the field its values look like (phone, email, ...).
    unmapped_hints: dict[str, str] = field(default_factory=dict)
    #: Actionable notes on this file (``4 phones had no country: ...``).
    hints: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    run_id: str
    source: str
    started: str
    finished: str = ""
    status: str = "running"
    dry_run: bool = False
    resumed: bool = False
    files: list[FileReport] = field(default_factory=list)
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    nodes_new: dict[str, int] = field(default_factory=dict)
    links_new: dict[str, int] = field(default_factory=dict)
    evidence_new: dict[str, int] = field(default_factory=dict)
    flags_loaded: int = 0
    #: Flags rows naming no node in the store (rejected; never a new node).
    flags_unmatched: int = 0
    #: Entries of input directories that were not read: ``{"path", "what"}`` (FIFO,
    #: device, broken or looping link, hidden or unsupported file...).
    skipped: list[dict[str, str]] = field(default_factory=list)
    same_as: int = 0
    conflicts: int = 0
    issues: dict[str, int] = field(default_factory=dict)
    #: Values that never became nodes: ``"placeholder: Email"`` -> count.
    ignored: dict[str, int] = field(default_factory=dict)
    #: Masked values matched against full identifiers: linked / ambiguous / no_match /
    #: too_little (see :mod:`graphinv.ingest.masked`).
    masked: dict[str, int] = field(default_factory=dict)
    #: URL-only shops merged into the shop their id names (``merged``) and left apart
    #: because shops with different ids share their URL (``conflicts``, listed in the
    #: conflicts file); see :mod:`graphinv.ingest.shopmerge`.
    url_shops: dict[str, int] = field(default_factory=dict)
    rejects_path: str | None = None
    conflicts_path: str | None = None
    reject_samples: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def reconciled(self) -> bool:
        return self.read == self.loaded + self.rejected

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["reconciled"] = self.reconciled
        return d


def _fingerprint(infos: Iterable[InputFile], opts: IngestOptions, source: str) -> str:
    h = hashlib.sha256()
    for i in infos:
        h.update(i.sha256.encode())
    h.update(json.dumps([source, str(opts.mapping), opts.resolve, opts.encoding,
                         opts.default_country, opts.date_order]).encode())
    return h.hexdigest()[:24]


def ingest_paths(
    store: Store | None,
    paths: list[Path],
    options: IngestOptions | None = None,
    *,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest files (and flags files) into ``store``; ``store`` may be None for a dry run.

    Raises :class:`InputError` for a file that cannot be read at all, and in
    ``strict`` mode for the first bad row (before anything is written).
    """
    opts = options or IngestOptions()
    t0 = time.perf_counter()
    skipped: list[tuple[str, str]] = []
    files = discover(list(paths), skipped, exclude=(opts.data_dir,))
    flag_files = discover(list(opts.flags), skipped, exclude=(opts.data_dir,)) \
        if opts.flags else []
    infos = [file_info(p) for p in files]
    flag_infos = [file_info(p) for p in flag_files]
    mapping = load_mapping(opts.mapping) if opts.mapping else None
    if mapping is None:
        _refuse_flags_as_records(files, opts.encoding)
    # Provenance never depends on the working directory: without --source (or the
    # mapping's [source] name) each file is its own source, by its file name.
    given = opts.source or (mapping.source if mapping and mapping.source else None)
    names = list(dict.fromkeys(p.name for p in [*files, *flag_files]))
    source = given or (", ".join(names) if len(", ".join(names)) <= 200
                       else f"{names[0]} and {len(names) - 1} more files") or "input"
    runs_dir = opts.data_dir / "runs"
    ckpt = _Checkpoint(runs_dir, _fingerprint(infos + flag_infos, opts, source),
                       files=[str(i.path) for i in infos],
                       flags=[str(i.path) for i in flag_infos])
    with contextlib.ExitStack() as held:
        if not opts.dry_run and store is not None:
            held.enter_context(run_lock(opts.data_dir))
        return _ingest(store, opts, infos, flag_infos, mapping, source, given, skipped,
                       ckpt, t0, progress)


def _ingest(store: Store | None, opts: IngestOptions, infos: list[InputFile],
            flag_infos: list[InputFile], mapping: Mapping | None, source: str,
            given: str | None, skipped: list[tuple[str, str]], ckpt: _Checkpoint, t0: float,
            progress: Progress | None) -> IngestReport:
    previous = None if opts.dry_run else ckpt.find_unfinished()
    run_id = previous["run_id"] if previous else new_run_id()
    report = IngestReport(run_id=run_id, source=source, started=_now(), dry_run=opts.dry_run,
                          resumed=previous is not None,
                          skipped=[{"path": p, "what": w} for p, w in skipped])
    ctx = ChunkContext(source=source, run_id=run_id, at=report.started,
                       mapping_path=opts.mapping, encoding=opts.encoding,
                       batch_rows=opts.batch_rows, parallel=_worker_setting(opts),
                       keep_records=store is not None and store.refuses_single_rows,
                       default_country=opts.default_country, date_order=opts.date_order)
    if opts.strict:
        _validate_all(infos, flag_infos, mapping, ctx, given)
    if opts.dry_run or store is None:
        report.dry_run = True

    before_nodes: dict[str, int] = {}
    before_rels: dict[str, int] = {}
    before_ev: dict[str, int] = {}
    if not report.dry_run:
        assert store is not None
        # The checkpoint first: an unwritable data directory fails before the store changes.
        ckpt.save(run_id, status="running", started=report.started)
        before_nodes, before_rels = store.counts()
        before_ev = _evidence_counts(store)
        _record_run(store, report, opts, infos + flag_infos, status="running")

    suffix = "-dry-run" if report.dry_run else ""
    rejects = _Rejects(opts.data_dir / "rejects" / f"{run_id}{suffix}.csv")
    conflicts: list[list[Any]] = []
    issues: Counter[str] = Counter()
    ignored: Counter[str] = Counter()
    t_norm = t_write = 0.0
    t_load = time.perf_counter()
    where: dict[str, Any] = {}
    try:
        # New nodes and links are loaded in bulk when the block ends (embedded:
        # one COPY per table; Neo4j: as they come). Flags and resolution come after.
        bulk = store.bulk() if store is not None and not report.dry_run \
            else contextlib.nullcontext()
        shop_urls = _ShopUrls(store if not report.dry_run else None)
        with bulk:
            for info in infos:
                fr = FileReport(path=str(info.path), sha256=info.sha256, kind=info.kind)
                report.files.append(fr)
                where.update(at_file=str(info.path), rows_done=0)
                hints: Counter[str] = Counter()
                file_ctx = ctx if given else dataclasses.replace(ctx, source=info.path.name)
                for chunk in file_chunks(info, file_ctx, mapping, shop_urls.lookup,
                                         shop_urls.index):
                    shop_urls.run.update(chunk.shop_urls)
                    fr.read += chunk.read
                    fr.loaded += chunk.loaded
                    fr.rejected += len(chunk.rejects)
                    fr.encoding, fr.mapping = chunk.encoding, chunk.mapping
                    fr.unmapped = chunk.unmapped
                    fr.unmapped_hints = chunk.column_hints
                    for reject in chunk.rejects:
                        rejects.add(*reject)
                    issues.update(chunk.issues)
                    ignored.update(chunk.ignored)
                    hints.update(chunk.hints)
                    conflicts.extend(chunk.conflicts)
                    t_norm += chunk.seconds
                    t2 = time.perf_counter()
                    if not report.dry_run:
                        assert store is not None
                        batch = chunk.batch
                        for line, reason in sorted(batch.write(store).items()):
                            rec = batch.recs[line]
                            fr.loaded -= 1
                            fr.rejected += 1
                            rejects.add(rec.file, line, reason, raw_of(rec))
                        where.update(rows_done=fr.read)
                        ckpt.save(run_id, status="running", started=report.started, **where)
                    t_write += time.perf_counter() - t2
                    if progress:
                        progress(chunk.read)
                fr.hints = [_hint(h, n) for h, n in sorted(hints.items())]
            t_load = time.perf_counter()
        t_write += time.perf_counter() - t_load  # the bulk load at the end of the block
        for info in flag_infos:
            fr = FileReport(path=str(info.path), sha256=info.sha256, kind=info.kind, role="flags")
            report.files.append(fr)
            where.update(at_file=str(info.path), rows_done=0)
            _ingest_flags(store if not report.dry_run else None, info, opts,
                          given or info.path.name, run_id, fr, rejects, report, progress)
        report.read = sum(f.read for f in report.files)
        report.loaded = sum(f.loaded for f in report.files)
        report.rejected = sum(f.rejected for f in report.files)
        t3 = time.perf_counter()
        where.update(at_file=None, rows_done=report.read)
        if not report.dry_run:
            assert store is not None
            merges = merge_url_shops(store, run_id)
            report.url_shops = merges.counts()
            conflicts.extend(["", "", src, "shop_url", identity, "; ".join(shops), ""]
                             for src, identity, shops in merges.conflicts)
        if opts.resolve and not report.dry_run:
            from graphinv.ingest.resolve import resolve_store

            assert store is not None
            report.same_as = resolve_store(store, run_id)
            from graphinv.ingest.masked import link_masked

            report.masked = link_masked(store, run_id, report.started)
        report.seconds["resolve"] = round(time.perf_counter() - t3, 3)
    except BaseException as exc:
        report.status = "interrupted"
        rejects.discard()
        if not report.dry_run and store is not None:
            try:
                ckpt.save(run_id, status="interrupted", started=report.started, **where)
            except Exception:  # noqa: BLE001 - never hide the original error
                pass
        if where.get("at_file"):
            place = f"in {where['at_file']} ({where['rows_done']} of its records done)"
        elif where:
            place = ("while merging URL-only shops or resolving near-duplicates "
                     "(every row written)")
        else:
            place = "before the first file"
        resume = "" if report.dry_run else "; rerun the same command to resume"
        exc.add_note(f"Stopped {place}, run {run_id}{resume}.")
        raise
    report.rejects_path = rejects.close()
    report.seconds["normalize"] = round(t_norm, 3)
    report.seconds["write"] = round(t_write, 3)
    report.conflicts = len(conflicts)
    issues.update(report.issues)  # the flags files' own (dates)
    report.issues = dict(issues.most_common())
    report.ignored = dict(sorted(ignored.items()))
    report.reject_samples = rejects.samples
    if conflicts:
        report.conflicts_path = _write_conflicts(opts.data_dir, run_id, suffix, conflicts)
    if not report.dry_run:
        assert store is not None
        after_nodes, after_rels = store.counts()
        after_ev = _evidence_counts(store)
        report.nodes_new = {k: after_nodes.get(k, 0) - before_nodes.get(k, 0)
                            for k in schema.NODE_KINDS}
        report.links_new = {k: after_rels.get(k, 0) - before_rels.get(k, 0)
                            for k in schema.REL_TYPES}
        report.evidence_new = {k: after_ev.get(k, 0) - before_ev.get(k, 0) for k in after_ev}
    report.status = "complete"
    report.finished = _now()
    report.seconds["total"] = round(time.perf_counter() - t0, 3)
    if not report.dry_run:
        assert store is not None
        _record_run(store, report, opts, infos + flag_infos, status="complete")
        ckpt.save(run_id, status="complete", started=report.started, finished=report.finished)
    return report


_HINTS = {
    "phone_no_country": "{n} phone(s) had no country and were kept under a national key "
                        "that matches no international number: add a country column, "
                        "pass --country CC or set [options] default_country in a mapping",
}


def _hint(code: str, n: int) -> str:
    return _HINTS.get(code, code + " ×{n}").format(n=n)


def check_inputs(paths: list[Path], options: IngestOptions) -> None:
    """Refuse inputs that cannot be ingested as given, before a store is opened or
    created (:func:`ingest_paths` checks again): missing files, a bad mapping, a flags
    file given as records."""
    files = discover(list(paths), exclude=(options.data_dir,))
    if options.flags:
        discover(list(options.flags), exclude=(options.data_dir,))
    if options.mapping is None:
        _refuse_flags_as_records(files, options.encoding)
    else:
        load_mapping(options.mapping)


def _refuse_flags_as_records(files: list[Path], encoding: str | None) -> None:
    """A takedown list given as records would create phantom shops and drop its flags:
    refuse it, before anything is written, with the option that loads it."""
    for path in files:
        try:
            first = next((r for r in read_file(path, encoding=encoding)
                          if not isinstance(r, Reject)), None)
        except InputError:
            continue  # unreadable: the normal read reports it with its own message
        if first is not None and looks_like_flags(list(first.fields)):
            raise UsageError(
                "this is a flags file (takedowns, test purchases, complaints), not shop "
                "records", value=str(path),
                hint=f"load it with --flags: graphinv ingest --flags {path} "
                "[RECORD FILES...] (records and flags in one folder: name the files)")


class _ShopUrls:
    """Shops given by id, by URL identity: this run's (as chunks come) and the store's
    (read on the first lookup). A row with only a shop URL joins the one shop a scrape
    gave with id and URL; never one of several with different ids."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.run = ShopUrlIndex()
        self._stored: ShopUrlIndex | None = None

    def stored(self) -> ShopUrlIndex:
        if self._stored is None:
            self._stored = stored_shop_urls(self.store) if self.store is not None \
                else ShopUrlIndex()
        return self._stored

    def lookup(self, identity: str) -> str | None:
        return combine(self.run.find(identity), self.stored().find(identity))

    def index(self) -> ShopUrlIndex:
        """Every answer :meth:`lookup` would give now (for a worker process)."""
        out = ShopUrlIndex()
        out.update(self.stored())
        out.update(self.run)
        return out


def _write_conflicts(data_dir: Path, run_id: str, suffix: str, rows: list[list[Any]]) -> str:
    from graphinv.util.tabular import to_csv, write_text_atomic

    path = data_dir / "runs" / f"{run_id}{suffix}-conflicts.csv"
    cols = ["file", "line", "shop_id", "field", "kept", "conflicting", "kept_from_line"]
    write_text_atomic(path, to_csv(cols, rows))
    return str(path)


def _ingest_flags(store: Store | None, info: InputFile, opts: IngestOptions, source: str,
                  run_id: str, fr: FileReport, rejects: _Rejects, report: IngestReport,
                  progress: Progress | None) -> None:
    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    lines: dict[int, Record] = {}
    for item in read_file(info.path, encoding=opts.encoding, info=info):
        fr.encoding = info.encoding
        fr.read += 1
        if isinstance(item, Reject):
            fr.rejected += 1
            rejects.add(item.file, item.line, item.reason, item.raw)
            continue
        try:
            t = flag_target(item.fields, source=source, date_order=opts.date_order)
        except RowRejected as exc:
            fr.rejected += 1
            rejects.add(item.file, item.line, str(exc), raw_of(item))
            continue
        for issue in t.issues:
            report.issues[issue] = report.issues.get(issue, 0) + 1
        row: dict[str, Any] = {"key": t.key, "flag": t.json, "run": run_id}
        by_label[t.label].append(row)
        lines[id(row)] = item
    if store is not None:
        # A flag only marks a node the records created: a flag naming an unknown shop
        # (or the right shop on the wrong platform) made a flagged phantom node.
        for label, rows in by_label.items():
            found = store.existing_keys(label, {r["key"] for r in rows})
            for r in rows:
                if r["key"] not in found:
                    rec = lines[id(r)]
                    fr.rejected += 1
                    report.flags_unmatched += 1
                    rejects.add(rec.file, rec.line, f"flag matches no {label} in the store: "
                                f"{r['key']} (check the id and platform, or ingest its "
                                "records first)", raw_of(rec))
            by_label[label] = [r for r in rows if r["key"] in found]
    fr.loaded = fr.read - fr.rejected
    if progress:
        progress(fr.read)
    report.flags_loaded += fr.loaded
    if store is not None:
        for label, rows in by_label.items():
            if rows:
                store.merge_nodes(label, rows)


def _worker_setting(opts: IngestOptions) -> bool | None:
    if opts.worker is not None:
        return opts.worker
    env = os.environ.get("GRAPHINV_INGEST_WORKER", "").strip().lower()
    if env in ("0", "false", "no", "off"):
        return False
    if env in ("1", "true", "yes", "on"):
        return True
    return None


def _validate_all(infos: list[InputFile], flag_infos: list[InputFile], mapping: Mapping | None,
                  ctx: ChunkContext, given: str | None) -> None:
    """--strict: stop at the first bad row, before anything is written."""
    for info in infos:
        for item in records(info, ctx, mapping):
            if isinstance(item, Reject):
                raise InputError("bad row (--strict)", value=f"{item.file}:{item.line}",
                                 hint=item.reason)
            rec, g = item
            if isinstance(g, str):
                raise InputError("bad row (--strict)", value=f"{rec.file}:{rec.line}", hint=g)
    for info in flag_infos:
        for flag_item in read_file(info.path, encoding=ctx.encoding):
            where = f"{flag_item.file}:{flag_item.line}"
            if isinstance(flag_item, Reject):
                raise InputError("bad flags row (--strict)", value=where, hint=flag_item.reason)
            try:
                flag_target(flag_item.fields, source=given or info.path.name,
                            date_order=ctx.date_order)
            except RowRejected as exc:
                raise InputError("bad flags row (--strict)", value=where, hint=str(exc)) from exc


def _evidence_counts(store: Store) -> dict[str, int]:
    out = {}
    for rel in schema.REL_TYPES.values():
        if not rel.evidence:
            continue
        res = store.run_read(f"MATCH ()-[r:{rel.name}]->() RETURN sum(r.ev_count) AS n")
        out[rel.name] = int(res.rows[0][0] or 0) if res.rows else 0
    return out


def _record_run(store: Store, report: IngestReport, opts: IngestOptions,
                infos: list[InputFile], *, status: str) -> None:
    files = [{"path": str(i.path), "sha256": i.sha256, "size": i.size, "encoding": i.encoding}
             for i in infos]
    counts = {"read": report.read, "loaded": report.loaded, "rejected": report.rejected,
              "nodes_new": report.nodes_new, "links_new": report.links_new,
              "evidence_new": report.evidence_new, "same_as": report.same_as,
              "conflicts": report.conflicts, "ignored": report.ignored,
              "url_shops": report.url_shops}
    settings = {"mapping": str(opts.mapping) if opts.mapping else None,
                "resolve": opts.resolve, "encoding": opts.encoding, "strict": opts.strict,
                "flags": [str(p) for p in opts.flags],
                "default_country": opts.default_country, "date_order": opts.date_order}
    store.merge_nodes("IngestRun", [{
        "key": report.run_id, "started": report.started, "finished": report.finished or None,
        "status": status, "source": report.source,
        "settings": json.dumps(settings, sort_keys=True),
        "files": json.dumps(files, sort_keys=True), "counts": json.dumps(counts, sort_keys=True),
    }])
