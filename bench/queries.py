"""Saved-query stage: latency of every saved query on a store that has been clustered.

Each query runs with its default parameters; a required parameter gets a real value
picked from the data before any timing (the largest cluster, two of its shops, one of
their phones, the first ingest run, a real shop id); one no rule picks (a new query's own
parameter) takes the value of the query's first ``// example:`` line, and the row says so
(``from_example``). Each query runs once cold and then
``repeat`` more times; the median of the repeats is the reported latency. Times are
wall-clock around :func:`graphinv.querylib.run_query` (guard, plan check, read, rows).
"""

from __future__ import annotations

import shlex
import statistics
import time
from typing import Any

from bench.stores import open_bench_store

__all__ = ["queries_task", "pick_values"]


def _one(st: Any, cypher: str, params: dict[str, Any] | None = None) -> Any:
    rows = st.run_read(cypher, params or {}).rows
    return rows[0] if rows else None


def pick_values(st: Any) -> dict[str, Any]:
    """Real values for the parameters saved queries require."""
    vals: dict[str, Any] = {}
    top = _one(st, "MATCH (s:Shop) WHERE s.cluster_id IS NOT NULL "
                   "RETURN s.cluster_id AS c, count(*) AS n ORDER BY n DESC, c LIMIT 1")
    if top:
        vals["cluster"] = top[0]
        shops = st.run_read("MATCH (s:Shop) WHERE s.cluster_id = $c "
                            "RETURN s.key AS k, s.shop_id AS i ORDER BY k LIMIT 2",
                            {"c": top[0]}).rows
    else:
        shops = st.run_read("MATCH (s:Shop) RETURN s.key AS k, s.shop_id AS i "
                            "ORDER BY k LIMIT 2").rows
    if shops:
        vals["shop"] = vals["from"] = shops[0][0]
        vals["to"] = shops[-1][0]
        vals["text"] = str(shops[0][1] or shops[0][0]).lower()
        for rel, label in (("USES_PHONE", "Phone"), ("PAID_VIA", "PaymentAccount"),
                           ("USES_EMAIL", "Email"), ("LOCATED_AT", "Address")):
            ident = _one(st, f"MATCH (s:Shop {{key: $k}})-[:{rel}]->(i:{label}) "
                             "RETURN i.key AS k LIMIT 1", {"k": shops[0][0]})
            if ident:
                vals["key"] = ident[0]
                break
    run = _one(st, "MATCH (r:IngestRun) RETURN r.key AS k ORDER BY k LIMIT 1")
    if run:
        vals["since"] = run[0]
    return vals


def _example_values(q: Any) -> dict[str, Any]:
    """Parameter values of the query's first ``// example:`` line (as typed there).

    >>> from graphinv.querylib import parse_query_text
    >>> q = parse_query_text("// name: x\\n// description: d\\n// param: site str\\n"
    ...                      "// example: -p site=ebay\\nMATCH (s:Shop {site: $site}) "
    ...                      "RETURN s.key AS k", "x.cypher")
    >>> _example_values(q)
    {'site': 'ebay'}
    """
    from graphinv.querylib import parse_assignments

    if not q.examples:
        return {}
    words = [w for w in shlex.split(q.examples[0]) if w not in ("-p", "--param")]
    return dict(parse_assignments(words))


def queries_task(task: dict[str, Any]) -> dict[str, Any]:
    """Time every saved query that runs on this store."""
    from graphinv.querylib import QueryLibrary, run_query

    repeat = int(task.get("repeat", 3))
    timeout = float(task.get("timeout", 60.0))
    lib = QueryLibrary.discover()
    out: list[dict[str, Any]] = []
    with open_bench_store(task) as st:
        t0 = time.perf_counter()
        st.wait_for_indexes()  # untimed: indexes new to a kept database fill first
        waited = time.perf_counter() - t0
        values = pick_values(st)
        for name in lib.names():
            q = lib.get(name)
            row: dict[str, Any] = {"query": name}
            if not q.runs_on(st.backend):
                row["status"] = f"n/a (requires {q.requires})"
                out.append(row)
                continue
            params = {p.name: values[p.name] for p in q.params
                      if p.required and p.name in values}
            example = _example_values(q)
            missing = [p.name for p in q.params
                       if p.required and p.name not in params and p.name in example]
            params.update({n: example[n] for n in missing})
            row["params"] = params
            if missing:
                row["from_example"] = missing
            times: list[float] = []
            try:
                for _ in range(1 + repeat):
                    t0 = time.perf_counter()
                    # example values are typed text, as on the command line
                    res = run_query(st, q, params, timeout=timeout, from_text=bool(missing))
                    times.append(time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 - one query's failure is a result
                row.update(status="error", error=f"{type(exc).__name__}: {exc}"[:300])
                if times:
                    row["cold_s"] = round(times[0], 4)
                out.append(row)
                continue
            row.update(status="ok", rows=len(res.rows), truncated=res.truncated,
                       cold_s=round(times[0], 4),
                       median_s=round(statistics.median(times[1:] or times), 4),
                       store_s=round(res.elapsed, 4))
            out.append(row)
    return {"queries": out, "values": values, "repeat": repeat,
            "index_wait_s": round(waited, 3)}
