"""``python -m bench``: generate data, run the stages in subprocesses, write JSON + markdown.

Order per store and size: ingest baseline, graphinv ingest, clusters baseline, graphinv
clusters, saved queries (queries need clusters: they read ``cluster_id`` and ``risk``).
The view stage does not depend on store or size and runs once.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench import CACHE_DIR, RESULTS_DIR, STAGES, STORES
from bench.child import run_child
from bench.data import DEFAULT_SEED, dataset, dataset_files
from bench.machine import load_average, machine_info, rss_mb_of
from bench.report import load_results, merge_results, render_markdown
from bench.sizes import parse_sizes, size_label
from bench.stores import (
    Neo4jServer,
    embedded_dir,
    fresh_embedded,
    neo4j_marker,
    neo4j_markers,
    read_marker,
    reset_neo4j,
    store_counts,
    write_marker,
)

__all__ = ["main", "build_parser", "run_bench", "WARMUP_ROWS"]

#: Rows of the untimed Neo4j warm-up load.
WARMUP_ROWS = 1_000

EPILOG = """examples:
  python -m bench --size 10k --store embedded
  python -m bench --size 10k,100k --store both --out bench/results
  python -m bench --size 1m --store embedded --stages ingest,clusters --timeout 7200
  python -m bench --report bench/results/a.json bench/results/b.json > tables.md

Neo4j: GRAPHINV_BENCH_NEO4J_URI=bolt://... uses (and resets!) that server; otherwise a
dedicated server is started with scripts/neo4j_server.py under bench/.cache/neo4j-home
(heap GRAPHINV_NEO4J_HEAP=2g, page cache GRAPHINV_NEO4J_PAGECACHE=1g) and stopped at the end.
"""


def _list(choices: tuple[str, ...]) -> Any:
    def parse(text: str) -> list[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in choices]
        if bad or not items:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(bad) or 'empty list'}; choose from {','.join(choices)}")
        return items
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench", epilog=EPILOG, formatter_class=argparse.RawTextHelpFormatter,
        description="graphinv benchmarks, each figure next to a baseline measured in the "
                    "same run.")
    p.add_argument("--size", action="append", default=None, metavar="N",
                   help="rows (= shops): 2k, 10k, 100k, 1m or an integer; repeat or "
                        "comma-separate (default 10k)")
    p.add_argument("--store", choices=["embedded", "neo4j", "both"], default="embedded",
                   help="which store(s) to measure (default embedded)")
    p.add_argument("--stages", type=_list(STAGES), default=list(STAGES),
                   help=f"comma-separated subset of {','.join(STAGES)} (default all)")
    p.add_argument("--out", type=Path, default=RESULTS_DIR,
                   help="folder for the JSON and markdown results (default bench/results)")
    p.add_argument("--cache", type=Path, default=CACHE_DIR,
                   help="data, pre-normalized rows, stores, Neo4j home (default bench/.cache)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed (default 1)")
    p.add_argument("--no-baseline", action="store_true", help="skip the baselines")
    p.add_argument("--shapes", action="store_true",
                   help="generate with examples/shapes.py (realistic hubs, gangs of 2-150, "
                        "brands, chains) and report cluster quality against its truth; data "
                        "and stores go under CACHE/shapes")
    p.add_argument("--view-sizes", default="100,1000,5000",
                   help="cluster sizes (nodes) for the view stage (default 100,1000,5000)")
    p.add_argument("--no-browser", action="store_true",
                   help="view stage without headless Chromium (render only)")
    p.add_argument("--repeat", type=int, default=3,
                   help="warm repetitions per saved query (default 3)")
    p.add_argument("--query-timeout", type=float, default=60.0,
                   help="seconds before a saved query is stopped (default 60)")
    p.add_argument("--timeout", type=float, default=7200.0,
                   help="seconds before one stage's subprocess is killed (default 7200)")
    p.add_argument("--load-with", choices=["graphinv", "copy"], default="graphinv",
                   help="without the ingest stage, fill the embedded store for clusters/"
                        "queries with graphinv ingest (default, untimed) or the bare-COPY "
                        "baseline loader (timed as the ingest baseline; no SAME_AS links)")
    p.add_argument("--no-warmup", action="store_true",
                   help="skip the untimed Neo4j warm-up load (for an already warm server)")
    p.add_argument("--keep-stores", action="store_true",
                   help="keep the stores after the run: the embedded stores in the cache, "
                        "and the Neo4j database of the last size (with a note of its counts)")
    p.add_argument("--reuse-stores", action="store_true",
                   help="without the ingest stage, use the store an earlier --keep-stores "
                        "run left (loaded, and clustered for queries) instead of loading "
                        "it again; a Neo4j database only while its counts still match; "
                        "the results name that run")
    p.add_argument("--report", nargs="+", type=Path, metavar="JSON",
                   help="only render markdown from earlier result files (merged in order)")
    return p


def _log(msg: str) -> None:
    stamp = _dt.datetime.now().strftime("%H:%M:%S")
    print(f"[bench {stamp}] {msg}", file=sys.stderr, flush=True)


class _Runner:
    """State of one benchmark run: where things go and what has been measured."""

    def __init__(self, args: argparse.Namespace, sizes: list[int], stores: list[str]) -> None:
        self.args = args
        self.sizes = sizes
        self.stores = stores
        self.cache: Path = args.cache
        self.out: Path = args.out
        self.log = self.out / "bench.log"
        self.runs: list[dict[str, Any]] = []
        self.server: Neo4jServer | None = None
        self.versions: dict[str, str] = {}
        self.meta: dict[str, Any] = {}
        self.partial: Path | None = None

    def child(self, task: dict[str, Any], what: str) -> dict[str, Any]:
        _log(f"{what} …")
        res = run_child(task, timeout=self.args.timeout, log=self.log)
        status = res.get("status")
        extra = "" if status == "ok" else f" [{status}: {res.get('error', '')[:300]}]"
        _log(f"{what}: {res.get('elapsed_s')} s, peak RSS {res.get('peak_rss_mb')} MB{extra}")
        return res

    def add(self, stage: str, store: str | None, size: int | None, kind: str,
            res: dict[str, Any]) -> None:
        res = {"stage": stage, "store": store, "size": size, "kind": kind, **res}
        res["load_avg"] = load_average()
        if store == "neo4j" and self.server and self.server.pid:
            res["server"] = rss_mb_of(self.server.pid)
        self.runs.append(res)
        if self.partial is not None:  # what is done so far survives a killed run
            self.partial.write_text(json.dumps({"meta": self.meta, "runs": self.runs},
                                               indent=1, default=str), encoding="utf-8")

    # -- per store and size ---------------------------------------------------------
    def spec(self, store: str, size: int) -> dict[str, Any]:
        work = self.cache / "work" / f"{store}-{size_label(size)}"
        work.mkdir(parents=True, exist_ok=True)
        if store == "embedded":
            return {"store": "embedded", "data_dir": str(embedded_dir(size, self.cache))}
        assert self.server is not None and self.server.uri
        return {"store": "neo4j", "uri": self.server.uri, "data_dir": str(work)}

    def ops_file(self, size: int, listings: Path, flags: Path) -> Path | None:
        """Pre-normalized rows for the baselines (recorded once per size, cached)."""
        path = self.cache / "prenorm" / f"{size_label(size)}-seed{self.args.seed}.pkl"
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        work = self.cache / "work" / f"prenorm-{size_label(size)}"
        res = self.child({"kind": "prenormalize", "listings": str(listings),
                          "flags": str(flags), "out": str(path), "work": str(work)},
                         f"pre-normalize {size_label(size)} (untimed for the baselines)")
        self.add("ingest", None, size, "extract", res)
        return path if res.get("status") == "ok" else None

    def reset_neo4j(self, uri: str) -> None:
        """Empty the Neo4j database; the notes of what it held go with it."""
        for note in neo4j_markers(self.cache):
            note.unlink(missing_ok=True)
        reset_neo4j(uri)

    def mark(self, store: str, size: int, spec: dict[str, Any], *, run: Any,
             clustered: bool) -> None:
        """Leave the note ``--reuse-stores`` looks for."""
        if store == "embedded":
            write_marker(Path(spec["data_dir"]), run=run, clustered=clustered)
        else:
            write_marker(neo4j_marker(size, self.cache), run=run, clustered=clustered,
                         counts=store_counts(spec))

    def empty_store(self, store: str, spec: dict[str, Any]) -> None:
        if store == "embedded":
            fresh_embedded(Path(spec["data_dir"]))
        else:
            self.reset_neo4j(spec["uri"])
            fresh_embedded(Path(spec["data_dir"]))  # rejects and run checkpoints

    def ingest(self, store: str, size: int, *, measured: bool) -> bool:
        folder = dataset(size, self.args.seed, self.cache, self.args.shapes)
        listings, flags = dataset_files(folder)
        spec = self.spec(store, size)
        label = f"{store} {size_label(size)}"
        if measured and not self.args.no_baseline:
            ops = self.ops_file(size, listings, flags)
            if ops is not None:
                if store == "neo4j":
                    self.reset_neo4j(spec["uri"])
                    res = self.child({"kind": "ingest-baseline-neo4j", "uri": spec["uri"],
                                      "ops": str(ops)}, f"{label} ingest baseline (bare driver)")
                    self.add("ingest", store, size, "baseline", res)
                else:
                    base_dir = fresh_embedded(embedded_dir(size, self.cache, "-baseline"))
                    res = self.child({"kind": "ingest-baseline-embedded",
                                      "data_dir": str(base_dir), "ops": str(ops)},
                                     f"{label} ingest baseline (bare COPY)")
                    shutil.rmtree(base_dir, ignore_errors=True)
                    self.add("ingest", store, size, "baseline", res)
        self.empty_store(store, spec)
        task = {"kind": "ingest", **spec, "listings": str(listings), "flags": str(flags),
                "source": f"bench-{size_label(size)}", "version": store not in self.versions}
        res = self.child(task, f"{label} ingest" + ("" if measured else " (setup, untimed)"))
        if res.get("store_version"):
            self.versions[store] = res["store_version"]
        if measured:
            self.add("ingest", store, size, "graphinv", res)
            if store == "neo4j" and res.get("status") == "ok":
                self.ingest_bulk(size, spec, listings, flags)
        return res.get("status") == "ok"

    def ingest_bulk(self, size: int, spec: dict[str, Any], listings: Path,
                    flags: Path) -> None:
        """The same files with ``ingest --bulk`` (neo4j-admin's importer) into the emptied
        database, next to the MERGE run: only on a server this run started (the import
        stops and restarts it)."""
        assert self.server is not None
        if self.server.external:
            _log("neo4j bulk load skipped: the server comes from the environment")
            return
        self.empty_store("neo4j", spec)
        res = self.child({"kind": "ingest-bulk", **spec, "home": str(self.server.home),
                          "listings": str(listings), "flags": str(flags),
                          "source": f"bench-{size_label(size)}"},
                         f"neo4j {size_label(size)} ingest --bulk")
        self.server.refresh()  # restarted by the import: a new pid
        self.add("ingest", "neo4j", size, "bulk", res)

    def warm_up_neo4j(self) -> None:
        """A fresh JVM is slow for its first minute: load a small data set both ways
        (untimed) so that neither the baseline nor graphinv pays for the warm-up."""
        size = WARMUP_ROWS
        listings, flags = dataset_files(dataset(size, self.args.seed, self.cache, self.args.shapes))
        spec = self.spec("neo4j", size)
        ops = None if self.args.no_baseline else self.ops_file(size, listings, flags)
        if ops is not None:
            self.reset_neo4j(spec["uri"])
            self.child({"kind": "ingest-baseline-neo4j", "uri": spec["uri"], "ops": str(ops)},
                       "neo4j warm-up (bare driver, untimed)")
        self.empty_store("neo4j", spec)
        self.child({"kind": "ingest", **spec, "listings": str(listings), "flags": str(flags),
                    "source": "bench-warm-up"}, "neo4j warm-up (graphinv ingest, untimed)")
        self.reset_neo4j(spec["uri"])

    def copy_load(self, size: int) -> bool:
        """Fill the embedded store with the bare-COPY baseline loader (for clusters and
        queries at sizes where graphinv's own ingest takes too long); measured as the
        ingest baseline. No SAME_AS links: resolution is graphinv's own work."""
        listings, flags = dataset_files(dataset(size, self.args.seed, self.cache, self.args.shapes))
        ops = self.ops_file(size, listings, flags)
        if ops is None:
            return False
        data_dir = fresh_embedded(embedded_dir(size, self.cache))
        res = self.child({"kind": "ingest-baseline-embedded", "data_dir": str(data_dir),
                          "ops": str(ops)}, f"embedded {size_label(size)} load by bare COPY")
        self.add("ingest", "embedded", size, "baseline", res)
        return res.get("status") == "ok"

    def reusable(self, store: str, size: int) -> dict[str, Any] | None:
        """What an earlier run left in the kept store, if ``--reuse-stores``."""
        if not self.args.reuse_stores or "ingest" in self.args.stages:
            return None
        if store == "embedded":
            left = read_marker(embedded_dir(size, self.cache))
        else:
            left = read_marker(neo4j_marker(size, self.cache))
            if left is not None and left.get("counts") != store_counts(self.spec(store, size)):
                _log(f"neo4j {size_label(size)}: the kept database changed since its note; "
                     "loading it again")
                return None
        if left is None or ("queries" in self.args.stages and "clusters" not in self.args.stages
                            and not left.get("clustered")):
            return None
        return {"run": left.get("run"), "clustered": left.get("clustered")}

    def store_size(self, store: str, size: int) -> None:
        stages = self.args.stages
        ok = True
        reused = self.reusable(store, size)
        if reused is not None:
            _log(f"{store} {size_label(size)}: reusing the store of {reused.get('run')}")
            self.meta.setdefault("reused_stores", {})[f"{store}-{size_label(size)}"] = reused
        elif "ingest" in stages:
            ok = self.ingest(store, size, measured=True)
        elif ("clusters" in stages or "queries" in stages) and store == "embedded" \
                and self.args.load_with == "copy":
            ok = self.copy_load(size)
        elif "clusters" in stages or "queries" in stages:
            ok = self.ingest(store, size, measured=False)
        if not ok:
            _log(f"{store} {size_label(size)}: ingest failed; skipping its later stages")
            return
        spec = self.spec(store, size)
        label = f"{store} {size_label(size)}"
        if reused is None:
            self.mark(store, size, spec, run=self.meta.get("started"), clustered=False)
        if "clusters" in stages:
            if not self.args.no_baseline:
                res = self.child({"kind": "clusters-baseline", **spec},
                                 f"{label} clusters baseline (networkx)")
                self.add("clusters", store, size, "baseline", res)
            task = {"kind": "clusters", **spec}
            if self.args.shapes:  # quality next to time
                folder = dataset(size, self.args.seed, self.cache, self.args.shapes)
                task["truth"] = str(folder / "truth.csv")
            res = self.child(task, f"{label} clusters")
            self.add("clusters", store, size, "graphinv", res)
            clustered = res.get("status") == "ok"
        elif "queries" in stages and reused is None:
            res = self.child({"kind": "clusters", **spec}, f"{label} clusters (setup, untimed)")
            clustered = res.get("status") == "ok"
        else:
            clustered = bool(reused and reused.get("clustered"))
        self.mark(store, size, spec, run=(reused or {}).get("run") or self.meta.get("started"),
                  clustered=clustered)
        if "queries" in stages:
            res = self.child({"kind": "queries", **spec, "repeat": self.args.repeat,
                              "timeout": self.args.query_timeout}, f"{label} saved queries")
            self.add("queries", store, size, "graphinv", res)

    def view(self) -> None:
        sizes = [int(s) for s in self.args.view_sizes.split(",") if s.strip()]
        res = self.child({"kind": "view", "sizes": sizes, "browser": not self.args.no_browser},
                         f"view {sizes}")
        self.add("view", None, None, "graphinv", res)


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    """Run what ``args`` asks for; return the results document (also written to disk)."""
    sizes = parse_sizes(args.size or ["10k"])
    stores = list(STORES) if args.store == "both" else [args.store]
    if args.shapes:
        args.cache = args.cache / "shapes"  # other data: its own data, stores, pre-norm
    args.out.mkdir(parents=True, exist_ok=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    r = _Runner(args, sizes, stores)
    started = _dt.datetime.now(_dt.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    name = f"bench-{stamp}-{'-'.join(size_label(s) for s in sizes)}-{args.store}"
    r.partial = args.out / f"{name}.partial.json"
    meta: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"), "machine": machine_info(),
        "command": "python -m bench " + " ".join(sys.argv[1:]),
        "sizes": sizes, "stores": stores, "stages": args.stages, "seed": args.seed,
        "load_with": args.load_with,
    }
    r.meta = meta
    _log(f"sizes {[size_label(s) for s in sizes]}, stores {stores}, stages {args.stages}; "
         f"load average {meta['machine']['load_avg']}")
    store_stages = {"ingest", "clusters", "queries"} & set(args.stages)
    t0 = time.perf_counter()
    try:
        if "neo4j" in stores and store_stages:
            r.server = Neo4jServer(args.cache)
            keep = (args.reuse_stores and "ingest" not in args.stages
                    and any(neo4j_marker(s, args.cache).exists() for s in sizes))
            _log("starting Neo4j" + (" on the kept database …" if keep else " …"))
            r.server.start(keep_data=keep)
            if not keep and not r.server.external:  # the server wiped its database
                for note in neo4j_markers(args.cache):
                    note.unlink(missing_ok=True)
            meta["neo4j_server"] = r.server.settings()
            if "ingest" in args.stages and not args.no_warmup:
                r.warm_up_neo4j()
        for store in stores if store_stages else []:
            for size in sizes:
                r.store_size(store, size)
                if store == "embedded" and not args.keep_stores:
                    shutil.rmtree(embedded_dir(size, args.cache), ignore_errors=True)
            if store == "neo4j" and not args.keep_stores:
                for note in neo4j_markers(args.cache):
                    note.unlink(missing_ok=True)
        if "view" in args.stages:
            r.view()
    finally:
        if r.server is not None:
            if r.server.pid:
                meta["neo4j_server_final"] = rss_mb_of(r.server.pid)
            r.server.stop()
    meta["finished"] = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    meta["wall_s"] = round(time.perf_counter() - t0, 1)
    meta["load_avg_end"] = load_average()
    meta["store_versions"] = r.versions
    doc = {"meta": meta, "runs": r.runs}
    json_path = args.out / f"{name}.json"
    json_path.write_text(json.dumps(doc, indent=1, default=str), encoding="utf-8")
    md_path = args.out / f"{name}.md"
    md_path.write_text(render_markdown(doc), encoding="utf-8")
    r.partial.unlink(missing_ok=True)
    _log(f"wrote {json_path} and {md_path}")
    doc["paths"] = {"json": str(json_path), "markdown": str(md_path)}
    return doc


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.report:
        doc = merge_results([load_results(p) for p in args.report])
        sys.stdout.write(render_markdown(doc))
        return 0
    try:
        parse_sizes(args.size or ["10k"])
    except argparse.ArgumentTypeError as exc:
        build_parser().error(str(exc))
    doc = run_bench(args)
    failed = [x for x in doc["runs"] if x.get("status") != "ok"]
    return 1 if failed else 0
