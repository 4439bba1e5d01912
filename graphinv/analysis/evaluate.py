"""Compare clusters with a ground truth: pairwise scores, ARI, recovered groups.

The truth file is CSV with ``shop_id``, optional ``platform`` and a group
column (``gang_id``, ``group_id``, ``group`` or ``gang``); an empty group means
a legit shop. Every shop is an item; shops outside any cluster (predicted) or
any group (truth) are singletons.

* pairwise precision/recall/F1 over pairs of shops put together;
* adjusted Rand index (Hubert & Arabie), from the contingency table;
* a truth group is *recovered* when some cluster has Jaccard ≥ 0.5 with it;
* the largest *impure* cluster mixes several groups or legit shops;
* with a ``kind`` column (``gang`` | ``legit``, as examples/generate.py ``--shapes``
  writes it), the *ranking*: each cluster is a gang when most of its shops are gang
  shops, else a legitimate operator; ROC AUC of its score (gang vs legit), overall and
  among clusters without a flagged shop, and the precision of the top 20
  (:func:`ranking_metrics`), for ``gang_likeness`` and for the flag-only ``risk``.

>>> e = evaluate_labels({"a": "g1", "b": "g1", "c": None, "d": None},
...                     {"a": "C1", "b": "C1", "c": "C1", "d": None})
>>> e.precision, e.recall, round(e.f1, 3), round(e.ari, 3)
(0.333333, 1.0, 0.5, 0.333)
"""

from __future__ import annotations

import csv
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graphinv.errors import InputError, UsageError
from graphinv.store.base import Store
from graphinv.types import match_key

__all__ = ["Evaluation", "TruthRow", "read_truth", "evaluate_labels", "evaluate_store",
           "GROUP_COLUMNS", "roc_auc", "ranking_metrics", "TOP_K"]

#: Size of the "top of the list" whose precision is reported.
TOP_K = 20

GROUP_COLUMNS = ("gang_id", "group_id", "group", "gang")


@dataclass
class TruthRow:
    line: int
    shop_id: str
    platform: str | None
    group: str | None
    kind: str | None = None


@dataclass
class Evaluation:
    """Scores of one clustering against a truth."""

    shops: int = 0
    truth_groups: int = 0
    clusters: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    ari: float = 0.0
    true_pairs: int = 0
    predicted_pairs: int = 0
    correct_pairs: int = 0
    groups_recovered: int = 0
    unrecovered: list[str] = field(default_factory=list)
    largest_impure: dict[str, Any] | None = None
    unmatched_rows: int = 0
    unmatched_examples: list[str] = field(default_factory=list)
    #: Ranking quality (truth files with a ``kind`` column), see :func:`ranking_metrics`.
    ranking: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def evaluate_labels(truth: Mapping[Hashable, str | None],
                    predicted: Mapping[Hashable, str | None]) -> Evaluation:
    """Score ``predicted`` cluster labels against ``truth`` group labels.

    Items are the keys of ``truth``; ``None`` (or a missing prediction) means
    "on its own".
    """
    items = list(truth)
    t_lab: dict[Hashable, Any] = {}
    p_lab: dict[Hashable, Any] = {}
    for i, item in enumerate(items):
        t = truth[item]
        p = predicted.get(item)
        t_lab[item] = ("g", t) if t else ("solo", i)
        p_lab[item] = ("c", p) if p else ("solo", i)
    cont: dict[tuple[Any, Any], int] = {}
    a: dict[Any, int] = {}
    b: dict[Any, int] = {}
    for item in items:
        key = (t_lab[item], p_lab[item])
        cont[key] = cont.get(key, 0) + 1
        a[t_lab[item]] = a.get(t_lab[item], 0) + 1
        b[p_lab[item]] = b.get(p_lab[item], 0) + 1
    tp = sum(_pairs(v) for v in cont.values())
    true_pairs = sum(_pairs(v) for v in a.values())
    pred_pairs = sum(_pairs(v) for v in b.values())
    ev = Evaluation(shops=len(items), correct_pairs=tp, true_pairs=true_pairs,
                    predicted_pairs=pred_pairs)
    ev.precision = round(tp / pred_pairs, 6) if pred_pairs else (1.0 if not true_pairs else 0.0)
    ev.recall = round(tp / true_pairs, 6) if true_pairs else 1.0
    denom = ev.precision + ev.recall
    ev.f1 = round(2 * ev.precision * ev.recall / denom, 6) if denom else 0.0
    total = _pairs(len(items))
    expected = true_pairs * pred_pairs / total if total else 0.0
    max_index = (true_pairs + pred_pairs) / 2
    if max_index == expected:
        ev.ari = 1.0 if tp == true_pairs == pred_pairs else 0.0
    else:
        ev.ari = round((tp - expected) / (max_index - expected), 6)

    groups: dict[str, set[Hashable]] = {}
    clusters: dict[str, set[Hashable]] = {}
    for item in items:
        t = truth[item]
        p = predicted.get(item)
        if t:
            groups.setdefault(t, set()).add(item)
        if p:
            clusters.setdefault(p, set()).add(item)
    ev.truth_groups = len(groups)
    ev.clusters = len(clusters)
    for gid, members in sorted(groups.items()):
        best = 0.0
        seen = {predicted.get(m) for m in members} - {None}
        for cid in seen:
            c = clusters[str(cid)]
            best = max(best, len(members & c) / len(members | c))
        if best >= 0.5:
            ev.groups_recovered += 1
        else:
            ev.unrecovered.append(gid)
    impure = []
    for cid, members in clusters.items():
        comp: dict[str, int] = {}
        for m in members:
            lab = truth[m] or "legit"
            comp[lab] = comp.get(lab, 0) + 1
        if len(comp) > 1 or "legit" in comp:
            impure.append((len(members), cid, comp))
    if impure:
        size, cid, comp = max(impure, key=lambda x: (x[0], x[1]))
        ev.largest_impure = {"cluster_id": cid, "shops": size,
                             "composition": dict(sorted(comp.items(), key=lambda kv: -kv[1]))}
    return ev


def read_truth(path: Path) -> list[TruthRow]:
    """Rows of a truth CSV (UTF-8, BOM allowed)."""
    try:
        fh = Path(path).open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError("cannot read the truth file", value=str(path),
                         hint=f"check the path ({exc.strerror})") from exc
    with fh:
        try:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            reader.fieldnames = header
            if "shop_id" not in header:
                raise UsageError("the truth file has no shop_id column", value=str(path),
                                 hint="columns: shop_id, platform (optional), gang_id")
            group_col = next((c for c in GROUP_COLUMNS if c in header), None)
            if group_col is None:
                raise UsageError("the truth file has no group column", value=str(path),
                                 hint="name it gang_id (empty = legit shop)")
            rows = []
            for rec in reader:
                sid = (rec.get("shop_id") or "").strip()
                if not sid:
                    continue
                rows.append(TruthRow(
                    line=reader.line_num, shop_id=sid,
                    platform=(rec.get("platform") or "").strip() or None,
                    group=(rec.get(group_col) or "").strip() or None,
                    kind=(rec.get("kind") or "").strip().lower() or None,
                ))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError("cannot parse the truth file", value=str(path),
                             hint=f"give a UTF-8 CSV ({exc})") from exc
    return rows


def _platform_key(raw: str | None) -> str | None:
    if not raw:
        return None
    return match_key("platform", raw) or raw.strip().lower()


def evaluate_store(store: Store, truth_path: Path) -> Evaluation:
    """Score the clusters written by the last ``graphinv clusters`` run."""
    rows = read_truth(truth_path)
    by_id: dict[str, list[tuple[str, str | None, str | None]]] = {}
    any_cluster = False
    for key, shop_id, platform, cid in store.stream_nodes("Shop",
                                                           ["shop_id", "platform", "cluster_id"]):
        by_id.setdefault(str(shop_id).strip(), []).append((key, platform, cid))
        any_cluster = any_cluster or bool(cid)
    if not any_cluster and not any(True for _ in store.stream_nodes("ClusterRun", [])):
        raise UsageError("no clusters in the store yet", value=store.location,
                         hint="run `graphinv clusters` first")
    truth: dict[Hashable, str | None] = {}
    predicted: dict[Hashable, str | None] = {}
    unmatched: list[str] = []
    for r in rows:
        cands = by_id.get(r.shop_id, [])
        plat = _platform_key(r.platform)
        if plat is not None and len(cands) > 1:
            # Same shop id on several platforms: the platform decides.
            cands = [c for c in cands if c[1] == plat]
        if len(cands) != 1:
            unmatched.append(f"line {r.line}: {r.shop_id}"
                             + (f" ({r.platform})" if r.platform else ""))
            continue
        key, _plat, cid = cands[0]
        truth[key] = r.group
        predicted[key] = cid
    ev = evaluate_labels(truth, predicted)
    ev.unmatched_rows = len(unmatched)
    ev.unmatched_examples = unmatched[:5]
    kinds = {key: r.kind for r in rows if r.kind
             for key in [_key_of(by_id, r)] if key is not None}
    if kinds:
        # The recorded clusters with their scores, as `graphinv clusters` reports them.
        from graphinv.analysis.pipeline import last_run_results

        result = last_run_results(store, details=False)
        ev.ranking = ranking_metrics(_cluster_labels(result.clusters, kinds))
    return ev


def _key_of(by_id: Mapping[str, list[tuple[str, str | None, str | None]]],
            r: TruthRow) -> str | None:
    cands = by_id.get(r.shop_id, [])
    plat = _platform_key(r.platform)
    if plat is not None and len(cands) > 1:
        cands = [c for c in cands if c[1] == plat]
    return cands[0][0] if len(cands) == 1 else None


def _cluster_labels(clusters: list[dict[str, Any]], kinds: Mapping[str, str]
                    ) -> list[tuple[bool, bool, float, float]]:
    """``(is_gang, unflagged, gang_likeness, risk)`` of each cluster with a known shop:
    a gang when most of its known shops are gang shops."""
    out = []
    for c in clusters:
        known = [kinds[m[len("Shop:"):]] for m in c["members"]
                 if m.startswith("Shop:") and m[len("Shop:"):] in kinds]
        if not known:
            continue
        gang = 2 * sum(k == "gang" for k in known) > len(known)
        out.append((gang, c["flagged_shops"] == 0, float(c.get("gang_likeness", 0.0)),
                    float(c["risk"])))
    return out


def roc_auc(labels: list[bool], scores: list[float]) -> float | None:
    """Probability that a random positive scores above a random negative (ties half);
    None without both classes.

    >>> roc_auc([True, False, True, False], [0.9, 0.1, 0.4, 0.4])
    0.875
    """
    pos = sorted(s for s, y in zip(scores, labels, strict=True) if y)
    neg = sorted(s for s, y in zip(scores, labels, strict=True) if not y)
    if not pos or not neg:
        return None
    wins = 0.0
    for p in pos:
        lo = _bisect(neg, p, strict=True)
        hi = _bisect(neg, p, strict=False)
        wins += lo + 0.5 * (hi - lo)
    return round(wins / (len(pos) * len(neg)), 6)


def _bisect(xs: list[float], x: float, *, strict: bool) -> int:
    """Count of ``xs`` below ``x`` (``strict``) or at most ``x``."""
    import bisect

    return bisect.bisect_left(xs, x) if strict else bisect.bisect_right(xs, x)


def ranking_metrics(rows: list[tuple[bool, bool, float, float]], k: int = TOP_K
                    ) -> dict[str, Any]:
    """Ranking quality of ``(is_gang, unflagged, gang_likeness, risk)`` rows.

    Ties in the top ``k`` are broken against the gangs (a score that ties is no
    ranking), so precision cannot be flattered by order.

    >>> m = ranking_metrics([(True, True, 0.9, 0.0), (False, True, 0.2, 0.0),
    ...                      (True, False, 0.8, 1.0)], k=2)
    >>> m["auc"], m["auc_unflagged"], m["top_precision"], m["risk_top_precision"]
    (1.0, 1.0, 1.0, 0.5)
    >>> m["unflagged_top_precision"], m["risk_unflagged_top_precision"]
    (0.5, 0.5)
    """
    out: dict[str, Any] = {
        "clusters": len(rows),
        "gang_clusters": sum(1 for g, *_ in rows if g),
        "legit_clusters": sum(1 for g, *_ in rows if not g),
        "unflagged_gang_clusters": sum(1 for g, u, *_ in rows if g and u),
        "unflagged_legit_clusters": sum(1 for g, u, *_ in rows if not g and u),
        "top_k": k,
    }
    for prefix, col in (("", 2), ("risk_", 3)):
        labels = [r[0] for r in rows]
        scores = [r[col] for r in rows]
        out[prefix + "auc"] = roc_auc(labels, scores)
        unf = [r for r in rows if r[1]]
        out[prefix + "auc_unflagged"] = roc_auc([r[0] for r in unf], [r[col] for r in unf])
        for name, pool in (("top_precision", rows), ("unflagged_top_precision", unf)):
            top = sorted(pool, key=lambda r: (-r[col], r[0]))[:k]
            out[prefix + name] = (round(sum(1 for r in top if r[0]) / len(top), 6)
                                  if top else None)
    return out
