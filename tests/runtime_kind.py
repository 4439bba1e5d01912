"""A throw-away node kind added to the schema at runtime, end to end (tests/test_runtime_kind.py).

Run as ``python -m tests.runtime_kind [queries] WORKDIR CSV [GLOBAL CLI OPTIONS...]`` in a
fresh process: it registers ``Website`` (normalizer ``url``, input field ``website``, linked
by ``HAS_WEBSITE``) with :func:`graphinv.schema.register` — the one declaration a new kind
needs — then ingests, reads the store, projects, clusters, renders and lists the schema,
changing nothing else, and prints what it saw as JSON. With ``queries`` it ingests, marks
the shared website a hub (``clusters --hubs``) and runs the saved queries that cover every
identifier kind, every node kind and every evidence link type (``hubs``, ``hub-users``,
``identifier-users``, ``changes-since``): no ``.cypher`` file names the kind.

A fresh process because kinds are registered before graphinv's other modules are
imported (some copy schema lists at import; ``register`` refuses to run after them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from graphinv import schema

WEBSITE = schema.NodeKind(
    "Website",
    "A website a shop or seller points to (a test-only kind).",
    normalizer="url",
    props=(("host", "STRING"),),
    strength=1.0,
    color="#17becf",
    shape="dot",
    field="website",
    field_help="the seller's own website",
    field_aliases=("website", "homepage", "web_site"),
)
HAS_WEBSITE = schema.RelType("HAS_WEBSITE", "Points to a website.", ("Seller", "Shop"),
                             ("Website",))


def main(argv: list[str]) -> dict[str, Any]:
    workdir, csv_path, *global_opts = argv
    schema.register(WEBSITE, [HAS_WEBSITE])

    # Imported only now: the kind is already in the schema.
    from typer.testing import CliRunner

    from graphinv.analysis.projection import project
    from graphinv.cli.app import app
    from graphinv.config import StoreConfig
    from graphinv.store import open_store

    runner = CliRunner()
    out: dict[str, Any] = {}

    def cli(*args: str) -> str:
        res = runner.invoke(app, [*global_opts, *args])
        out.setdefault("exit_codes", []).append([args[0], res.exit_code])
        return res.stdout

    listed = json.loads(cli("schema", "--format", "json"))
    out["schema"] = sorted(it["name"] for it in listed if it["name"] in ("Website",
                                                                          "HAS_WEBSITE"))
    cli("ingest", csv_path)

    opts = dict(zip(global_opts[::2], global_opts[1::2], strict=True))
    cfg = StoreConfig.from_values(store=opts.get("--store", "embedded"),
                                  data_dir=opts.get("--data-dir"))
    store = open_store(cfg)
    try:
        out["nodes"] = sorted([list(r) for r in store.stream_nodes("Website", ["host"])])
        out["rels"] = sorted([list(r) for r in store.stream_rels("HAS_WEBSITE")])
        proj = project(store)
        website_ids = [i for i, nid in enumerate(proj.ids) if nid.startswith("Website:")]
        out["projected"] = sorted(proj.ids[i] for i in website_ids)
        out["projected_links"] = sorted(
            [proj.ids[proj.src[k]], proj.ids[proj.dst[k]]] for k in range(proj.n_links)
            if proj.rel_of(k) == "HAS_WEBSITE")
    finally:
        store.close()

    clusters = json.loads(cli("clusters", "--format", "json"))
    out["clusters"] = sorted(sorted(c["members"]) for c in clusters)
    site = Path(workdir) / "view"
    cli("view", "--out", str(site))
    pages = sorted(p for p in site.rglob("*.html") if p.name != "index.html")
    out["pages"] = {p.name: p.read_text(encoding="utf-8").count(
        "Website:https://fake-brand-outlet.com/") for p in pages}
    return out


SHARED = "https://fake-brand-outlet.com/"


def saved_queries(argv: list[str]) -> dict[str, Any]:
    """Ingest, mark the shared website a hub, run the saved queries over every kind."""
    workdir, csv_path, *global_opts = argv
    schema.register(WEBSITE, [HAS_WEBSITE])

    from typer.testing import CliRunner

    from graphinv.cli.app import app

    runner = CliRunner()
    out: dict[str, Any] = {}

    def cli(*args: str) -> Any:
        res = runner.invoke(app, [*global_opts, *args])
        out.setdefault("exit_codes", []).append([args[0] if args[0] != "query" else args[2],
                                                 res.exit_code])
        return json.loads(res.stdout) if "json" in args else None

    cli("ingest", csv_path)
    hubs = Path(workdir) / "hubs.txt"
    hubs.write_text(f"Website:{SHARED}\n", encoding="utf-8")
    cli("clusters", "--hubs", str(hubs))
    run = cli("query", "run", "ingest-runs", "--format", "json")[0]["run"]
    out["hubs"] = [[r["kind"], r["hub"], r["shops"], r["platforms"]]
                   for r in cli("query", "run", "hubs", "--format", "json")]
    out["hub_users"] = [[r["kind"], r["hub"], r["user"], r["link"]]
                        for r in cli("query", "run", "hub-users", "--format", "json")]
    out["identifier_users"] = [
        [r["kind"], r["user"], r["link"], r["evidence"]]
        for r in cli("query", "run", "identifier-users", "-p", f"key={SHARED}",
                     "--format", "json")]
    out["changes"] = [[r["change"], r["kind"], r["key"], r["detail"]] for r in cli(
        "query", "run", "changes-since", "-p", f"since={run}", "-p", "include_run=true",
        "--limit", "0", "--format", "json")]
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    print(json.dumps(saved_queries(args[1:]) if args[0] == "queries" else main(args)))
