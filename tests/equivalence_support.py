"""Graphs of the shapes generator frozen as fixtures, and the clustering output they gave.

The clustering stages (projection, weighting, hubs, engine) are rewritten for memory and
speed from time to time; their output must not move. A fixture
(``tests/fixtures/clusters/equivalence-seedN.json.gz``) holds:

* ``graph``: every node the projection reads (label, key, shop_id, platform, country,
  first seen, payment provider, flags) and every link, dumped from a store that
  ``graphinv ingest`` filled with ``examples/generate.py --shapes`` data (so the test
  does not move when ingest or the generator change);
* ``expected``: :func:`canonical` of ``run_clusters(write=False)`` on a store loaded
  with that graph by :func:`load_graph`, computed by the code *before* the rewrite.

Regenerate only from the commit whose output is the reference (see ``main``)::

    PYTHONPATH=<old checkout> python -m tests.equivalence_support OUT.json.gz ROWS SEED
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from graphinv import schema
from graphinv.store import Store, evidence_entry

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "clusters"
_LINK_RELS = tuple(r for r in schema.REL_TYPES)


def _own(label: str) -> set[str]:
    return {p for p, _ in schema.node_props(label)}


def dump_graph(store: Store) -> dict[str, Any]:
    """The nodes (with what the clustering reads) and links of ``store``."""
    nodes: dict[str, list[list[Any]]] = {}
    for label in schema.NODE_KINDS:
        own = _own(label)
        props = [p for p in ("shop_id", "platform", "country", "provider") if p in own]
        rows = []
        for key, *vals in store.stream_nodes(label, [*props, "first_seen", "flags"]):
            got = dict(zip([*props, "first_seen", "flags"], vals, strict=True))
            rows.append([key, got.get("shop_id"), got.get("platform"), got.get("country"),
                         got.get("provider"), got["first_seen"], sorted(got["flags"] or [])])
        nodes[label] = sorted(rows)
    links = {rel: sorted([list(r[:4]) for r in store.stream_rels(rel)])
             for rel in _LINK_RELS}
    return {"nodes": nodes, "links": links}


def _ev(line: int) -> dict[str, str]:
    k, j = evidence_entry(source="equivalence", file="listings.csv", line=line, run="r1",
                          at="2026-01-01T00:00:00", raw=None, sha="ab" * 32)
    return {"ek": k, "ej": j}


def load_graph(store: Store, graph: dict[str, Any]) -> None:
    """Write a dumped graph into an empty store through the store contract."""
    for label, rows in graph["nodes"].items():
        own = _own(label)
        out = []
        for key, shop_id, platform, country, provider, seen, flags in rows:
            row: dict[str, Any] = {"key": key, "display": key, "raw": key}
            for name, value in (("shop_id", shop_id), ("platform", platform),
                                ("country", country), ("provider", provider)):
                if name in own and value is not None:
                    row[name] = value
            if seen:
                row["seen"] = seen
            if flags:
                row["flag_list"] = list(flags)
            out.append(row)
        if out:
            store.merge_nodes(label, out)
    line = 2
    for rel, links in graph["links"].items():
        by_ends: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for src_label, src, dst_label, dst in links:
            row = {"src": src, "dst": dst}
            if rel == "SAME_AS":
                row.update(score=0.92, method="fuzzy")
            else:
                row.update(_ev(line))
                line += 1
            by_ends.setdefault((src_label, dst_label), []).append(row)
        for (src_label, dst_label), rows in sorted(by_ends.items()):
            store.merge_rels(rel, src_label, dst_label, rows)


def canonical(result: Any) -> dict[str, Any]:
    """What must not move: every cluster (id, members, shops), every hub (id, reason,
    spellings), the ties between clusters, the leads and each shop's risk."""
    return {
        "clusters": sorted(({"cluster_id": c["cluster_id"], "members": c["members"],
                             "shops": c["shops"]} for c in result.clusters),
                           key=lambda c: c["cluster_id"]),
        "hubs": [{"id": h["id"], "reason": h["reason"], "shops": h["shops"],
                  "spellings": h["spellings"]} for h in result.hubs],
        "ties": result.ties,
        "leads": [x["id"] for x in result.leads],
        "members": [[m["id"], m["cluster_id"], m["risk"]] for m in result.members],
        "stats": {k: v for k, v in result.stats.items()},
    }


def read_fixture(name: str) -> dict[str, Any]:
    with gzip.open(FIXTURES / name, "rt", encoding="utf-8") as fh:
        return json.load(fh)  # type: ignore[no-any-return]


def main(argv: list[str]) -> None:  # pragma: no cover - run by hand, see the docstring
    """Generate, ingest, dump, reload and cluster: write the fixture ``argv[0]``."""
    from graphinv.analysis.pipeline import ClusterOptions, run_clusters
    from graphinv.config import StoreConfig
    from graphinv.ingest.pipeline import IngestOptions, ingest_paths
    from graphinv.store import open_store
    from tests.examples_support import load_generator

    out, rows, seed = Path(argv[0]), int(argv[1]), int(argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "gen"
        load_generator().generate(data, rows=rows, seed=seed, extras=False, shapes=True)
        with open_store(StoreConfig.from_values(data_dir=Path(tmp) / "a")) as st:
            ingest_paths(st, [data / "listings.csv"],
                         IngestOptions(flags=[data / "flags.csv"]))
            graph = dump_graph(st)
        with open_store(StoreConfig.from_values(data_dir=Path(tmp) / "b")) as st:
            load_graph(st, graph)
            expected = canonical(run_clusters(st, ClusterOptions(write=False)))
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        json.dump({"rows": rows, "seed": seed, "graph": graph, "expected": expected}, fh,
                  separators=(",", ":"), sort_keys=True)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
