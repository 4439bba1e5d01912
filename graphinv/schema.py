"""The graph schema, declared once.

Node kinds, relationship types, their properties, keys, normalizers, evidence
strengths and display styles live here as data. Ingest, the stores (constraints
and the embedded engine's table DDL), analysis, rendering and the docs all read
this module; nothing else may invent a label, a relationship type or a property.

Platform and country are normalized *properties* (codes), never nodes, so they
cannot become super nodes.

>>> NODE_KINDS["Phone"].normalizer
'phone'
>>> sorted(REL_TYPES["USES_PHONE"].sources)
['Seller', 'Shop']
>>> check_label("Shop")
'Shop'
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from graphinv.errors import SchemaError

__all__ = [
    "PropType",
    "NodeKind",
    "RelType",
    "NODE_KINDS",
    "META_KINDS",
    "ALL_KINDS",
    "REL_TYPES",
    "IDENTIFIER_KINDS",
    "IDENTIFIER_FIELDS",
    "RESOLVABLE_KINDS",
    "ACTOR_KINDS",
    "INDEXES",
    "COMMON_NODE_PROPS",
    "COMMON_REL_PROPS",
    "EVIDENCE_CAP",
    "RAWS_CAP",
    "node_props",
    "rel_props",
    "check_label",
    "check_rel_type",
    "check_property",
    "rel_type_for",
    "has_link",
    "boolean_props",
    "node_id",
    "split_node_id",
    "describe",
    "indexed_props",
    "register",
]

PropType = Literal["STRING", "STRING[]", "BOOLEAN", "DOUBLE", "INT64"]

#: Keep at most this many evidence records on one relationship; ``ev_count``
#: still counts them all, so nothing is silently forgotten in the totals.
EVIDENCE_CAP = 50
#: Distinct raw spellings remembered per node (display and evidence).
RAWS_CAP = 20


@dataclass(frozen=True)
class NodeKind:
    """One node label.

    ``strength`` is the evidentiary weight of sharing this identifier (0 for
    the actors themselves); ``normalizer`` names a function in
    :data:`graphinv.types.NORMALIZERS` that turns a raw value into
    the node ``key``.
    """

    label: str
    description: str
    normalizer: str
    props: tuple[tuple[str, PropType], ...] = ()
    strength: float = 0.0
    color: str = "#888888"
    shape: str = "dot"
    resolvable: bool = False  # near-duplicates are searched (fuzzy SAME_AS)
    #: The input field whose values become nodes of this kind (identifier kinds), its
    #: help text, and the column names the built-in mapping reads it from.
    field: str | None = None
    field_help: str = ""
    field_aliases: tuple[str, ...] = ()
    #: The built-in mapping splits this field's cells on it (scraped pages list several).
    field_split: str = ""

    @property
    def is_identifier(self) -> bool:
        return self.strength > 0


@dataclass(frozen=True)
class RelType:
    """One relationship type with its allowed endpoint labels."""

    name: str
    description: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    props: tuple[tuple[str, PropType], ...] = ()
    evidence: bool = True


#: Properties every graph node has (besides its kind-specific ones).
COMMON_NODE_PROPS: tuple[tuple[str, PropType], ...] = (
    ("key", "STRING"),
    ("display", "STRING"),
    ("raws", "STRING[]"),
    ("issues", "STRING[]"),
    ("first_run", "STRING"),
    ("first_seen", "STRING"),
    ("last_seen", "STRING"),
    ("flagged", "BOOLEAN"),
    ("flags", "STRING[]"),
    ("cluster_id", "STRING"),
    ("risk", "DOUBLE"),
    ("cluster_risk", "DOUBLE"),
    ("hub", "BOOLEAN"),
    ("hub_reason", "STRING"),
    # How widely a hub was used when `graphinv clusters` marked it: shops reaching it
    # directly or through a seller, their platforms and clusters. Counting this live
    # means expanding every hub user (705k at 1M rows, 2.2 s on Neo4j).
    ("hub_shops", "INT64"),
    ("hub_platforms", "STRING[]"),
    ("hub_clusters", "STRING[]"),
)

#: Provenance carried by every evidence-bearing relationship. ``ev_keys`` are
#: ``<file sha256[:16]>:<line>`` so replaying the same record is a no-op;
#: ``ev`` holds one JSON object per record (source, file, line, run, at, raw).
COMMON_REL_PROPS: tuple[tuple[str, PropType], ...] = (
    ("ev_keys", "STRING[]"),
    ("ev", "STRING[]"),
    ("ev_count", "INT64"),
    ("first_run", "STRING"),
)

_NODES = (
    NodeKind(
        "Seller",
        "A legal or display name behind one or more shops; legal forms are dropped from "
        "the key.",
        normalizer="company",
        props=(("name", "STRING"), ("country", "STRING")),
        color="#e45756",
        shape="triangle",
    ),
    NodeKind(
        "Shop",
        "A storefront on one platform; shop_id is kept exactly as given in the input.",
        normalizer="text",
        props=(
            ("shop_id", "STRING"),
            ("name", "STRING"),
            ("url", "STRING"),
            ("platform", "STRING"),
            ("site", "STRING"),
            ("country", "STRING"),
        ),
        color="#4c78a8",
        shape="dot",
    ),
    NodeKind(
        "PaymentAccount",
        "A payment account as provider:number.",
        normalizer="payment",
        props=(("provider", "STRING"), ("number", "STRING")),
        strength=1.0,
        color="#f58518",
        shape="diamond",
        field="payment_account",
        field_split=";",
        field_help="payment account (provider + number)",
        field_aliases=("payment_account", "payment", "payment_accounts", "account",
                       "bank_account", "paypal", "alipay", "收款账户", "支付账户", "收款账号",
                       "收款方式", "paid_to", "payee", "payee_account", "pay_to",
                       "seller_payment_account", "beneficiary_account"),
    ),
    NodeKind(
        "Phone",
        "A phone number in E.164 (invalid numbers keep an 'invalid:' key).",
        normalizer="phone",
        props=(("country", "STRING"), ("valid", "BOOLEAN")),
        strength=1.0,
        color="#54a24b",
        shape="square",
        field="phone",
        field_split=";",
        field_help="phone number",
        field_aliases=("phone", "phones", "telephone", "tel", "mobile", "phone_number",
                       "contact_phone", "whatsapp", "电话", "手机", "联系电话", "手机号",
                       "手机号码", "电话号码", "seller_phone", "seller_telephone",
                       "seller_mobile", "contact_number", "phone_no", "mobile_phone", "tel_no"),
    ),
    NodeKind(
        "Email",
        "An e-mail address, trimmed and lower-cased, IDN domain in punycode.",
        normalizer="email",
        props=(("domain", "STRING"),),
        strength=1.0,
        color="#b279a2",
        shape="square",
        field="email",
        field_split=";",
        field_help="e-mail address",
        field_aliases=("email", "emails", "e_mail", "mail", "contact_email", "邮箱", "电子邮箱",
                       "电子邮件", "seller_email", "seller_e_mail", "email_address",
                       "e_mail_address"),
    ),
    NodeKind(
        "Address",
        "A physical address (warehouse, office); key is token-order insensitive.",
        normalizer="address",
        props=(("country", "STRING"), ("postcode", "STRING")),
        strength=0.6,
        color="#72b7b2",
        shape="star",
        resolvable=True,
        field="address",
        field_help="warehouse / registered / return address",
        field_aliases=("address", "warehouse_address", "business_address", "return_address",
                       "ship_from", "ship_from_address", "registered_address", "地址",
                       "发货地址"),
    ),
    NodeKind(
        "Supplier",
        "A factory or wholesaler; legal forms are dropped from the key.",
        normalizer="company",
        props=(("name", "STRING"), ("country", "STRING")),
        strength=0.25,
        color="#9d755d",
        shape="hexagon",
        resolvable=True,
        field="supplier",
        field_help="factory or wholesaler name",
        field_aliases=("supplier", "supplier_name", "factory", "manufacturer", "vendor",
                       "供应商", "工厂"),
    ),
)

_META = (
    NodeKind(
        "IngestRun",
        "One ingest run: options, files with checksums, counts, start and end.",
        normalizer="text",
        props=(
            ("started", "STRING"),
            ("finished", "STRING"),
            ("status", "STRING"),
            ("source", "STRING"),
            ("settings", "STRING"),
            ("files", "STRING"),
            ("counts", "STRING"),
        ),
    ),
    NodeKind(
        "ClusterRun",
        "One clustering run: parameters, cluster membership summary, history events.",
        normalizer="text",
        props=(
            ("created", "STRING"),
            ("params", "STRING"),
            ("clusters", "STRING"),
            ("events", "STRING"),
        ),
    ),
    NodeKind(
        "Decision",
        "An analyst decision (same / not-same, hub / not-hub, not-a-gang / confirmed) with "
        "who, when, why and where it came from; revoked, never deleted.",
        normalizer="text",
        props=(
            ("decision", "STRING"),
            ("a", "STRING"),
            ("b", "STRING"),
            # who / when / why (``when`` is a reserved word in Cypher).
            ("decided_by", "STRING"),
            ("decided_on", "STRING"),
            ("reason", "STRING"),
            # "decide" (the command), "file.csv:3" (an imported row) or "run <key>".
            ("source", "STRING"),
            ("recorded", "STRING"),
            # Shop keys of a decided cluster when the decision was made (JSON list).
            ("members", "STRING"),
            ("revoked", "STRING"),
            ("revoked_by", "STRING"),
            ("revoked_why", "STRING"),
        ),
    ),
)

_ACTORS = ("Seller", "Shop")

_RELS = (
    RelType("OPERATES", "A seller operates a shop.", ("Seller",), ("Shop",)),
    RelType(
        "LOCATED_AT",
        "Ships from, is registered at or is located at an address.",
        ("Seller", "Shop", "Supplier"),
        ("Address",),
    ),
    RelType("PAID_VIA", "Receives money through a payment account.", _ACTORS,
            ("PaymentAccount",)),
    RelType("USES_PHONE", "Lists or answers on a phone number.", _ACTORS, ("Phone",)),
    RelType("USES_EMAIL", "Lists or answers on an e-mail address.", _ACTORS, ("Email",)),
    RelType("SOURCES_FROM", "Buys goods from a supplier.", _ACTORS, ("Supplier",)),
    RelType(
        "SAME_AS",
        "Two spellings resolved as the same real-world identifier (fuzzy match).",
        ("Address", "Supplier"),
        ("Address", "Supplier"),
        props=(("score", "DOUBLE"), ("method", "STRING")),
        evidence=False,
    ),
)

# The registries are read-only views of these dicts; :func:`register` is the one way to
# add to them, so that every view (NODE_KINDS...) stays live.
_NODE_REG: dict[str, NodeKind] = {k.label: k for k in _NODES}
_META_REG: dict[str, NodeKind] = {k.label: k for k in _META}
_ALL_REG: dict[str, NodeKind] = {**_NODE_REG, **_META_REG}
_REL_REG: dict[str, RelType] = {r.name: r for r in _RELS}

NODE_KINDS: MappingProxyType[str, NodeKind] = MappingProxyType(_NODE_REG)
META_KINDS: MappingProxyType[str, NodeKind] = MappingProxyType(_META_REG)
ALL_KINDS: MappingProxyType[str, NodeKind] = MappingProxyType(_ALL_REG)
REL_TYPES: MappingProxyType[str, RelType] = MappingProxyType(_REL_REG)
ACTOR_KINDS: tuple[str, ...] = _ACTORS

#: Labels whose sharing links actors, strongest first.
IDENTIFIER_KINDS: tuple[str, ...] = ()
#: Labels whose near-duplicates ingest searches and links SAME_AS (``NodeKind.resolvable``).
RESOLVABLE_KINDS: tuple[str, ...] = ()
#: Input field -> identifier label (``NodeKind.field``), in schema order.
IDENTIFIER_FIELDS: MappingProxyType[str, str] = MappingProxyType({})
#: Lookups the saved queries make besides ``key``, as ``(label or relationship type,
#: property)``: Neo4j keeps a range index for each, so that ``cluster-members`` seeks a
#: cluster's members, ``hubs``/``hub-users`` the few hubs, ``leads``/``reappearance`` the
#: flagged shops, and ``changes-since`` what later runs wrote, instead of scanning millions
#: of nodes at 1M rows. LadybugDB has no secondary indexes; its column scans answer these
#: within the same bounds.
INDEXES: tuple[tuple[str, str], ...] = ()
_IDENT_REL: dict[tuple[str, str], str] = {}


def _derive() -> None:
    """Recompute every list derived from the registries (at import and on :func:`register`)."""
    global IDENTIFIER_KINDS, RESOLVABLE_KINDS, IDENTIFIER_FIELDS, INDEXES
    kinds = list(_NODE_REG.values())
    IDENTIFIER_KINDS = tuple(
        k.label for k in sorted(kinds, key=lambda k: -k.strength) if k.is_identifier)
    RESOLVABLE_KINDS = tuple(k.label for k in kinds if k.resolvable)
    IDENTIFIER_FIELDS = MappingProxyType(
        {k.field: k.label for k in kinds if k.field and k.is_identifier})
    INDEXES = (
        *((label, "cluster_id") for label in _ACTORS),
        *((label, "hub") for label in IDENTIFIER_KINDS),
        ("Shop", "flagged"),
        *((label, "first_run") for label in _NODE_REG),
        *((name, "first_run") for name, rel in _REL_REG.items() if rel.evidence),
    )
    _IDENT_REL.clear()
    for r in _REL_REG.values():
        if r.name == "SAME_AS":
            continue
        for src in r.sources:
            for dst in r.targets:
                _IDENT_REL[(src, dst)] = r.name


_derive()

#: Modules that copy schema lists when they are imported: kinds must be registered first.
_SNAPSHOT_PACKAGES = ("graphinv.ingest", "graphinv.store", "graphinv.analysis",
                      "graphinv.render", "graphinv.querylib", "graphinv.cli")
_LABEL_RE = re.compile(r"[A-Z][A-Za-z0-9]{0,63}")
_REL_RE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")


def register(kind: NodeKind | None = None, rels: Iterable[RelType] = ()) -> None:
    """Add a graph node kind and/or relationship types to the schema.

    Everything else (ingest fields, store tables and constraints, projection, render,
    ``graphinv schema``) reads the schema, so this is the whole change a new kind needs.
    Call it before importing graphinv's ingest/store/analysis/render/querylib/cli
    modules: some of them copy schema lists when imported, and registering later
    would leave them out of step — :class:`SchemaError` says so instead.

    >>> register(NodeKind("Shop", "again", normalizer="text"))
    Traceback (most recent call last):
    ...
    graphinv.errors.SchemaError: node kind already declared — 'Shop' — pick a new label
    """
    new_rels = list(rels)
    if kind is not None and kind.label in _ALL_REG:
        raise SchemaError("node kind already declared", value=repr(kind.label),
                          hint="pick a new label")
    if kind is not None and not _LABEL_RE.fullmatch(kind.label):
        raise SchemaError("bad node label", value=repr(kind.label),
                          hint="use CamelCase letters and digits, e.g. Website")
    labels = set(_ALL_REG) | ({kind.label} if kind else set())
    fields = {k.field for k in _NODE_REG.values()}
    if kind is not None and kind.field is not None and (
            kind.field in fields or not re.fullmatch(r"[a-z][a-z0-9_]*", kind.field)):
        raise SchemaError("bad or duplicate input field", value=repr(kind.field),
                          hint="use a new lower-case field name, e.g. website")
    for r in new_rels:
        if r.name in _REL_REG or not _REL_RE.fullmatch(r.name):
            raise SchemaError("bad or duplicate relationship type", value=repr(r.name),
                              hint="use a new UPPER_CASE name, e.g. HAS_WEBSITE")
        if not set(r.sources) | set(r.targets) <= labels:
            raise SchemaError("relationship between unknown kinds", value=r.name,
                              hint="register the node kind first (or with it)")
    loaded = sorted(m for m in sys.modules if m.startswith(_SNAPSHOT_PACKAGES))
    if loaded:
        raise SchemaError("schema changed after graphinv modules were imported",
                          value=loaded[0],
                          hint="register node kinds before importing graphinv's other modules")
    if kind is not None:
        _NODE_REG[kind.label] = kind
        _ALL_REG[kind.label] = kind
    for r in new_rels:
        _REL_REG[r.name] = r
    _derive()


def indexed_props(name: str) -> tuple[str, ...]:
    """Properties of a label or relationship type with an index (besides ``key``).

    >>> indexed_props("Shop")
    ('cluster_id', 'flagged', 'first_run')
    """
    return tuple(p for target, p in INDEXES if target == name)


def node_props(label: str) -> tuple[tuple[str, PropType], ...]:
    """All properties of a label: common ones first (graph kinds), then its own.

    >>> [p for p, _ in node_props("Email")][:2]
    ['key', 'display']
    """
    kind = ALL_KINDS.get(check_label(label))
    assert kind is not None
    if label in META_KINDS:
        return (("key", "STRING"),) + kind.props
    return COMMON_NODE_PROPS + kind.props


def rel_props(name: str) -> tuple[tuple[str, PropType], ...]:
    """All properties of a relationship type."""
    rel = REL_TYPES[check_rel_type(name)]
    return (COMMON_REL_PROPS if rel.evidence else ()) + rel.props


def check_label(label: str) -> str:
    """Return ``label`` if it is in the allowlist, else raise :class:`SchemaError`.

    >>> check_label("Shop`) DETACH DELETE n //")
    Traceback (most recent call last):
    ...
    graphinv.errors.SchemaError: unknown node label — 'Shop`) DETACH DELETE n //' — use one of: ...
    """
    if isinstance(label, str) and label in ALL_KINDS:
        return label
    raise SchemaError(
        "unknown node label", value=repr(label), hint="use one of: " + ", ".join(ALL_KINDS)
    )


def check_rel_type(name: str) -> str:
    """Return ``name`` if it is an allowed relationship type, else raise."""
    if isinstance(name, str) and name in REL_TYPES:
        return name
    raise SchemaError(
        "unknown relationship type", value=repr(name), hint="use one of: " + ", ".join(REL_TYPES)
    )


def check_property(label: str, prop: str) -> str:
    """Return ``prop`` if ``label`` declares it, else raise :class:`SchemaError`."""
    if label in REL_TYPES:
        allowed = [p for p, _ in rel_props(label)]
    else:
        allowed = [p for p, _ in node_props(label)]
    if prop in allowed:
        return prop
    raise SchemaError(
        f"unknown property for {label}", value=repr(prop), hint="use one of: " + ", ".join(allowed)
    )


def rel_type_for(source: str, target: str) -> str:
    """The relationship type linking ``source`` to ``target`` (SAME_AS excluded).

    >>> rel_type_for("Shop", "Phone")
    'USES_PHONE'
    """
    try:
        return _IDENT_REL[(source, target)]
    except KeyError:
        raise SchemaError(
            "no relationship between these kinds", value=f"{source} -> {target}",
            hint="see `graphinv schema` for allowed links",
        ) from None


def has_link(source: str, target: str) -> bool:
    """Whether the schema declares a link (SAME_AS excluded) from ``source`` to ``target``.

    >>> has_link("Shop", "Phone"), has_link("Supplier", "Phone")
    (True, False)
    """
    return (source, target) in _IDENT_REL


def boolean_props() -> frozenset[str]:
    """Properties declared BOOLEAN on every node kind and link type that has them.

    >>> sorted(boolean_props())
    ['flagged', 'hub', 'valid']
    """
    types: dict[str, set[str]] = {}
    for label in ALL_KINDS:
        for prop, ptype in node_props(label):
            types.setdefault(prop, set()).add(ptype)
    for rel in REL_TYPES:
        for prop, ptype in rel_props(rel):
            types.setdefault(prop, set()).add(ptype)
    return frozenset(p for p, ts in types.items() if ts == {"BOOLEAN"})


def node_id(label: str, key: str) -> str:
    """The id used in analysis and rendering: ``Label:key`` (unique by construction).

    >>> node_id("Phone", "+8613800138000")
    'Phone:+8613800138000'
    """
    return f"{label}:{key}"


def split_node_id(nid: str) -> tuple[str, str]:
    """Inverse of :func:`node_id`."""
    label, _, key = nid.partition(":")
    return label, key


def describe(kinds: Iterable[str] | None = None) -> list[dict[str, object]]:
    """A plain description of the schema for docs, ``graphinv schema`` and JSON."""
    out: list[dict[str, object]] = []
    for label in kinds or ALL_KINDS:
        k = ALL_KINDS[label]
        out.append({
            "kind": "node",
            "name": k.label,
            "description": k.description,
            "key": f"normalizer '{k.normalizer}'",
            "strength": k.strength,
            "properties": [p for p, _ in node_props(k.label)],
            "indexed": ["key", *indexed_props(k.label)],
        })
    if kinds is None:
        for r in _REL_REG.values():
            out.append({
                "kind": "relationship",
                "name": r.name,
                "description": r.description,
                "from": list(r.sources),
                "to": list(r.targets),
                "properties": [p for p, _ in rel_props(r.name)],
                "indexed": list(indexed_props(r.name)),
            })
    return out

