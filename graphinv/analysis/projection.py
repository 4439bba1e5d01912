"""Stream the store into compact integer-indexed structures.

One pass per label over ``Store.stream_handles`` (keys, the store's handles and the
few properties the analysis needs) and one pass per relationship type over
``Store.stream_link_pages`` (endpoint handles only). No graph object is built here
and there is no per-node round trip: every node becomes an integer, every link a
pair of integers in two ``array('i')`` columns.

Node ids follow the contract ``"<Label>:<key>"`` (:func:`graphinv.schema.node_id`).

>>> p = Projection()
>>> p.add_node("Shop", "ebay:s1")
0
>>> p.add_node("Phone", "+8613800138000")
1
>>> p.add_link("USES_PHONE", 0, 1)
>>> p.ids, p.kind_of(1), p.n_links
(['Shop:ebay:s1', 'Phone:+8613800138000'], 'Phone', 1)
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphinv import schema
from graphinv.store.base import Store

__all__ = [
    "KINDS",
    "LINK_RELS",
    "Projection",
    "project",
    "ProgressFn",
    "flag_records",
]

#: Node kinds the analysis reads, in a fixed order (their index is the kind code).
KINDS: tuple[str, ...] = tuple(schema.NODE_KINDS)
_KIND_CODE = {k: i for i, k in enumerate(KINDS)}
#: Relationship types that carry evidence between actors and identifiers.
LINK_RELS: tuple[str, ...] = tuple(r for r in schema.REL_TYPES if r != "SAME_AS")
_REL_CODE = {r: i for i, r in enumerate(LINK_RELS)}

#: ``progress(stage, done)``: called now and then while streaming; never prints.
ProgressFn = Callable[[str, int], None]

_PROGRESS_EVERY = 50_000


class NodeIndex(Mapping[str, int]):
    """Node id -> node index, built from :attr:`Projection.ids` on the first lookup.

    A clustering run needs no lookup by id (links arrive as handles), so at millions of
    nodes this dict (about 100 bytes a node) is never built unless asked for.

    >>> ix = NodeIndex(["Shop:a", "Phone:1"])
    >>> ix["Phone:1"], ix.get("Shop:b"), len(ix)
    (1, None, 2)
    """

    __slots__ = ("_ids", "_map")

    def __init__(self, ids: list[str]) -> None:
        self._ids = ids
        self._map: dict[str, int] | None = None

    def _built(self) -> dict[str, int]:
        if self._map is None:
            self._map = {nid: i for i, nid in enumerate(self._ids)}
        return self._map

    def __getitem__(self, nid: str) -> int:
        return self._built()[nid]

    def __contains__(self, nid: object) -> bool:
        return nid in self._built()

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, nid: str, i: int) -> None:
        """Record a node appended to the ids (only once the map exists)."""
        if self._map is not None:
            self._map[nid] = i


@dataclass
class Projection:
    """Every graph node as an integer, links as integer pairs.

    Per-node columns are lists aligned with :attr:`ids`; rarely-set values
    (flags, payment provider, previous results) are sparse dicts.
    """

    ids: list[str] = field(default_factory=list)
    kinds: bytearray = field(default_factory=bytearray)
    platform: list[str | None] = field(default_factory=list)
    country: list[str | None] = field(default_factory=list)
    shop_id: list[str | None] = field(default_factory=list)
    first_seen: list[str | None] = field(default_factory=list)
    provider: dict[int, str] = field(default_factory=dict)
    flags: dict[int, list[str]] = field(default_factory=dict)
    flagged: set[int] = field(default_factory=set)
    # Results of the previous ``graphinv clusters`` run (only with ``with_results``).
    cluster_id: dict[int, str] = field(default_factory=dict)
    hub_reason: dict[int, str] = field(default_factory=dict)
    had_result: set[int] = field(default_factory=set)  # any of cluster_id/risk/hub set
    # Links actor -> identifier (and Seller -> Shop), as parallel integer columns.
    src: array = field(default_factory=lambda: array("i"))
    dst: array = field(default_factory=lambda: array("i"))
    rel: bytearray = field(default_factory=bytearray)
    # SAME_AS pairs (Address<->Address, Supplier<->Supplier).
    same_src: array = field(default_factory=lambda: array("i"))
    same_dst: array = field(default_factory=lambda: array("i"))

    def __post_init__(self) -> None:
        self.index = NodeIndex(self.ids)

    @property
    def n_nodes(self) -> int:
        return len(self.ids)

    @property
    def n_links(self) -> int:
        return len(self.src)

    def add_node(self, label: str, key: str, *, platform: str | None = None,
                 country: str | None = None, shop_id: str | None = None,
                 first_seen: str | None = None) -> int:
        """Add one node (or return the existing index of ``Label:key``)."""
        nid = schema.node_id(label, key)
        i = self.index.get(nid)
        if i is not None:
            return i
        i = len(self.ids)
        self.ids.append(nid)
        self.index.add(nid, i)
        self.kinds.append(_KIND_CODE[label])
        self.platform.append(platform)
        self.country.append(country)
        self.shop_id.append(shop_id)
        self.first_seen.append(first_seen)
        return i

    def add_link(self, rel_type: str, src: int, dst: int) -> None:
        self.src.append(src)
        self.dst.append(dst)
        self.rel.append(_REL_CODE[rel_type])

    def kind_of(self, i: int) -> str:
        return KINDS[self.kinds[i]]

    def rel_of(self, link: int) -> str:
        return LINK_RELS[self.rel[link]]

    def nodes_of(self, label: str) -> Iterator[int]:
        code = _KIND_CODE[label]
        return (i for i, k in enumerate(self.kinds) if k == code)

    def key_of(self, i: int) -> str:
        return schema.split_node_id(self.ids[i])[1]

    def flag_dates(self, i: int) -> list[str]:
        """Dates (``YYYY-MM-DD``) of the flags on node ``i``, oldest first."""
        return sorted(d for d in (r.get("date") for r in flag_records(self.flags.get(i, ())))
                      if isinstance(d, str) and d)


def flag_records(flags: Any) -> list[dict[str, Any]]:
    """Parse the ``flags`` property (JSON strings) into dicts, skipping bad ones.

    >>> flag_records(['{"flag": "takedown", "date": "2025-01-02"}', 'oops'])
    [{'flag': 'takedown', 'date': '2025-01-02'}]
    """
    out: list[dict[str, Any]] = []
    for f in flags or ():
        if isinstance(f, dict):
            out.append(f)
            continue
        try:
            rec = json.loads(f)
        except (TypeError, ValueError):
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out


def _node_props(label: str, with_results: bool) -> list[str]:
    own = {p for p, _ in schema.node_props(label)}
    props = ["flagged", "flags", "first_seen"]
    for p in ("shop_id", "platform", "country", "provider"):
        if p in own:
            props.append(p)
    if with_results:
        props += ["cluster_id", "hub", "hub_reason", "risk"]
    return props


def project(store: Store, *, with_results: bool = False,
            progress: ProgressFn | None = None) -> Projection:
    """Read every graph node and link of ``store`` into a :class:`Projection`.

    ``with_results`` also reads ``cluster_id``, ``risk`` and ``hub``/``hub_reason``
    written by the previous run (explanations; clearing stale results).
    Columns are filled in bulk per label (no per-node function call).
    """
    proj = Projection()
    cache: dict[str, str] = {}
    # Links name their ends by the store's handles; map those to node indexes. Where the
    # handles are the node ids themselves, ``proj.index`` is that map; integer handles
    # are looked up in one sorted array (no dict of millions of entries).
    handles: list[np.ndarray] = []
    done = 0
    for label in KINDS:
        props = _node_props(label, with_results)
        col = {p: i + 2 for i, p in enumerate(props)}
        base = len(proj.ids)
        rows = []
        for row in store.stream_handles(label, props):
            rows.append(row)
            if progress and (done + len(rows)) % _PROGRESS_EVERY == 0:
                progress("nodes", done + len(rows))
        done += len(rows)
        proj.ids.extend([f"{label}:{r[1]}" for r in rows])
        if not store.handles_are_node_ids:
            handles.append(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
        proj.kinds.extend(bytes([_KIND_CODE[label]]) * len(rows))
        for name, column in (("platform", proj.platform), ("country", proj.country),
                             ("first_seen", proj.first_seen)):
            if name in col:
                c = col[name]
                column.extend([cache.setdefault(v, v) if v else None
                               for v in (r[c] for r in rows)])
            else:
                column.extend([None] * len(rows))
        if "shop_id" in col:
            c = col["shop_id"]
            proj.shop_id.extend([r[c] for r in rows])
        else:
            proj.shop_id.extend([None] * len(rows))
        cf, cfs = col["flagged"], col["flags"]
        cp = col.get("provider")
        for j, row in enumerate(rows):
            if row[cf] or row[cfs]:
                proj.flagged.add(base + j)
                proj.flags[base + j] = list(row[cfs] or ())
            if cp is not None and row[cp]:
                proj.provider[base + j] = cache.setdefault(row[cp], row[cp])
        if with_results:
            cc, ch, cr, cx = col["cluster_id"], col["hub"], col["hub_reason"], col["risk"]
            for j, row in enumerate(rows):
                if row[cc] is None and row[ch] is None and row[cr] is None and row[cx] is None:
                    continue
                proj.had_result.add(base + j)
                if row[cc]:
                    proj.cluster_id[base + j] = row[cc]
                if row[ch]:
                    proj.hub_reason[base + j] = row[cr] or "marked as a hub"
    if progress:
        progress("nodes", done)
    to_index = _handle_lookup(proj, handles, store.handles_are_node_ids)
    done = 0
    for rel_type in LINK_RELS:
        code = _REL_CODE[rel_type]
        n = 0
        for src_page, dst_page in store.stream_link_pages(rel_type):
            a, b = to_index(src_page), to_index(dst_page)
            # An end that is not a graph node (or was written after the nodes were
            # read): no link.
            keep = (a >= 0) & (b >= 0)
            if not keep.all():
                a, b = a[keep], b[keep]
            proj.src.frombytes(a.astype(np.int32).tobytes())
            proj.dst.frombytes(b.astype(np.int32).tobytes())
            n += len(a)
            if progress and (done + n) // _PROGRESS_EVERY > (done + n - len(a)) // _PROGRESS_EVERY:
                progress("links", done + n)
        proj.rel.extend(bytes([code]) * n)
        done += n
    for src_page, dst_page in store.stream_link_pages("SAME_AS"):
        a, b = to_index(src_page), to_index(dst_page)
        keep = (a >= 0) & (b >= 0) & (a != b)
        proj.same_src.frombytes(a[keep].astype(np.int32).tobytes())
        proj.same_dst.frombytes(b[keep].astype(np.int32).tobytes())
    if progress:
        progress("links", done)
    return proj


def _handle_lookup(proj: Projection, handles: list[np.ndarray],
                   by_id: bool) -> Callable[[Any], np.ndarray]:
    """A function mapping a page of handles to node indexes (-1: not a graph node)."""
    if by_id:
        get = proj.index.get

        def by_node_id(page: Any) -> np.ndarray:
            return np.fromiter((-1 if i is None else i for i in map(get, page)),
                               dtype=np.int64, count=len(page))
        return by_node_id
    every = np.concatenate(handles) if handles else np.zeros(0, dtype=np.int64)
    order = np.argsort(every, kind="stable")
    keys = every[order]

    def by_handle(page: Any) -> np.ndarray:
        arr = np.asarray(page, dtype=np.int64)
        if not keys.size:
            return np.full(arr.shape, -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(keys, arr), keys.size - 1)
        return np.where(keys[pos] == arr, order[pos], -1)
    return by_handle
