"""Label groups: a query says "every identifier kind" once; the schema lists them.

Right after ``:`` in a node or relationship pattern (or a ``WHERE n:…`` label test),
``{{ GROUP }}`` stands for every member of GROUP as an alternation ``A|B|C``, and
``{{ each GROUP }}`` writes the ``UNION ALL`` part it stands in once per member, in name
order, with that member (so each part can seek its own label's index and keep its own
``LIMIT``, and rows come grouped by kind A→Z).
The groups come from :mod:`graphinv.schema`, so a node kind added there is in every
query that uses them, with no edit of a ``.cypher`` file:

=================  ========================================================
``identifier``     identifier kinds, strongest first (``IDENTIFIER_KINDS``)
``node``           graph node kinds (``NODE_KINDS``; not IngestRun/ClusterRun)
``actor``          kinds that own identifiers (``ACTOR_KINDS``: Seller, Shop)
``evidence-link``  relationship types that carry evidence (all but SAME_AS)
=================  ========================================================

Only names the schema declares come out, each checked against its allowlist
(:func:`graphinv.schema.check_label`, :func:`~graphinv.schema.check_rel_type`) and
written as a plain name; a group anywhere else (a string, a comment, a value, a
property map) is not a group: in code it is an error here, and the guard refuses any
``{{`` left in a query (``{{`` is never Cypher). The expanded text then passes every
check a hand-written query passes (guard, translation, plan check).

>>> print(expand_groups("MATCH (h:{{ identifier }}) WHERE h.hub RETURN h.key"))
MATCH (h:PaymentAccount|Phone|Email|Address|Supplier) WHERE h.hub RETURN h.key
>>> print(expand_groups("MATCH (n:{{ each actor }}) RETURN labels(n)[0] AS k, n.key AS key"))
MATCH (n:Seller) RETURN labels(n)[0] AS k, n.key AS key
UNION ALL
MATCH (n:Shop) RETURN labels(n)[0] AS k, n.key AS key
>>> expand_groups("MATCH (n {key: {{ identifier }}}) RETURN n")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graphinv.querylib.groups.GroupError: label group {{ identifier }} outside a label — line 1 — ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graphinv import schema
from graphinv.errors import QueryError
from graphinv.querylib.lexer import Token, significant, tokenize

__all__ = ["GroupError", "GROUPS", "group_members", "expand_groups", "uses_groups"]

# A name every engine reads as a plain label or type: nothing to quote, nothing to escape.
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_GROUP = re.compile(r"\{\{[ \t]*(?:(each)[ \t]+)?([a-z][a-z-]{0,31})[ \t]*\}\}")


class GroupError(QueryError):
    """A label group that cannot be expanded (unknown, misplaced or mixed)."""

    exit_code = 2


def _evidence_links() -> tuple[str, ...]:
    return tuple(n for n, r in schema.REL_TYPES.items() if r.evidence)


#: group name -> (member kind: "node" or "rel", members from the schema). Read at each
#: expansion, so a kind registered with :func:`graphinv.schema.register` is in it.
GROUPS: dict[str, tuple[str, Callable[[], Sequence[str]]]] = {
    "identifier": ("node", lambda: schema.IDENTIFIER_KINDS),
    "node": ("node", lambda: tuple(schema.NODE_KINDS)),
    "actor": ("node", lambda: schema.ACTOR_KINDS),
    "evidence-link": ("rel", _evidence_links),
}


def group_members(group: str) -> tuple[str, ...]:
    """The schema names ``group`` stands for, each checked against its allowlist.

    >>> group_members("evidence-link")
    ('OPERATES', 'LOCATED_AT', 'PAID_VIA', 'USES_PHONE', 'USES_EMAIL', 'SOURCES_FROM')
    """
    if group not in GROUPS:
        raise GroupError(f"unknown label group {group!r}", value=group,
                         hint="groups: " + ", ".join(GROUPS))
    kind, members = GROUPS[group]
    check = schema.check_label if kind == "node" else schema.check_rel_type
    out = tuple(check(m) for m in members())
    for m in out:  # declared names are plain already; a quoted one would be code
        if not _PLAIN.fullmatch(m):
            raise GroupError("schema name is not a plain identifier", value=repr(m),
                             hint="declare labels and types as letters, digits and _")
    if not out:
        raise GroupError(f"label group {group!r} is empty", value=group,
                         hint="declare its kinds in graphinv/schema.py")
    return out


@dataclass(frozen=True)
class _Use:
    start: int  # offsets in the text
    end: int
    each: bool
    group: str
    line: int


def uses_groups(text: str) -> bool:
    """Whether ``text`` holds ``{{`` in code (not in a string or comment).

    >>> uses_groups("RETURN '{{ identifier }}' // {{ node }}"), uses_groups("MATCH (n:{{ node }})")
    (False, True)
    """
    sig = significant(tokenize(text))
    return any(a.is_punct("{") and b.is_punct("{") for a, b in zip(sig, sig[1:], strict=False))


def expand_groups(text: str) -> str:
    """``text`` with every label group written out from the schema; unchanged without one.

    Raises :class:`GroupError` (with the line) for a group that is unknown, not right
    after ``:``, of the wrong kind for its place (a relationship type group in a node
    pattern or the other way round), or several different ``each`` groups in one part;
    :class:`graphinv.errors.QueryRefused` if the text cannot be read.
    """
    toks = tokenize(text)
    uses = _find_uses(text, toks)
    if not uses:
        return text
    sig = significant(toks)
    parts = _parts(text, sig)
    out: list[str] = []
    for lo, hi, sep in parts:
        inside = [u for u in uses if lo <= u.start < hi]
        out.append(_expand_part(text, lo, hi, inside, sig))
        out.append(sep)
    return "".join(out)


def _find_uses(text: str, toks: Sequence[Token]) -> list[_Use]:
    """Every ``{{ … }}`` in code, checked for its place (after ``:``, kind of pattern)."""
    uses: list[_Use] = []
    opened: list[str] = []
    prev: Token | None = None
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind in ("ws", "comment"):
            i += 1
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if t.is_punct("{") and nxt is not None and nxt.is_punct("{"):
            m = _GROUP.match(text, t.start)
            if m is None:
                raise GroupError("unreadable label group", value=f"line {t.line}",
                                 hint="write {{ GROUP }} or {{ each GROUP }}, GROUP one of: "
                                 + ", ".join(GROUPS))
            each, group = bool(m.group(1)), m.group(2)
            kind = GROUPS[group][0] if group in GROUPS else None
            if kind is None:
                raise GroupError(f"unknown label group {group!r}", value=f"line {t.line}",
                                 hint="groups: " + ", ".join(GROUPS))
            where = opened[-1] if opened else ""
            if prev is None or not prev.is_punct(":") or where == "{":
                raise GroupError(f"label group {{{{ {group} }}}} outside a label",
                                 value=f"line {t.line}",
                                 hint="write it right after ':' in a pattern, e.g. "
                                 "(h:{{ identifier }})")
            if (kind == "rel") != (where == "["):
                raise GroupError(
                    f"label group {{{{ {group} }}}} holds "
                    + ("relationship types" if kind == "rel" else "node labels"),
                    value=f"line {t.line}",
                    hint="use it in a " + ("-[r:…]- relationship" if kind == "rel"
                                           else "(n:…) node") + " pattern")
            if each and len(opened) > 1:
                raise GroupError(f"{{{{ each {group} }}}} inside a subquery or expression",
                                 value=f"line {t.line}",
                                 hint="use it in a pattern of a top-level UNION ALL part")
            uses.append(_Use(m.start(), m.end(), each, group, t.line))
            while i < len(toks) and toks[i].start < m.end():
                i += 1
            prev = toks[i - 1]
            continue
        if t.is_punct("(", "[", "{"):
            opened.append(t.text)
        elif t.is_punct(")", "]", "}") and opened:
            opened.pop()
        prev = t
        i += 1
    return uses


def _parts(text: str, sig: Sequence[Token]) -> list[tuple[int, int, str]]:
    """``(start, end, separator after)`` of each top-level UNION part."""
    parts: list[tuple[int, int, str]] = []
    depth, lo, i = 0, 0, 0
    while i < len(sig):
        t = sig[i]
        if t.is_punct("(", "[", "{"):
            depth += 1
        elif t.is_punct(")", "]", "}"):
            depth -= 1
        elif depth == 0 and t.is_kw("UNION"):
            end = sig[i + 1].end if i + 1 < len(sig) and sig[i + 1].is_kw("ALL") else t.end
            parts.append((lo, t.start, text[t.start:end]))
            lo = end
        i += 1
    parts.append((lo, len(text), ""))
    return parts


def _expand_part(text: str, lo: int, hi: int, uses: list[_Use], sig: Sequence[Token]) -> str:
    each = {u.group for u in uses if u.each}
    if len(each) > 1:
        raise GroupError("two different {{ each … }} groups in one UNION part",
                         value=f"line {uses[0].line}",
                         hint="write one part per group, joined by UNION ALL")
    if each and any(t.is_kw("UNION") and not (j + 1 < len(sig) and sig[j + 1].is_kw("ALL"))
                    for j, t in enumerate(sig)):
        raise GroupError("{{ each … }} in a query joined by UNION", value=f"line {uses[0].line}",
                         hint="join the parts with UNION ALL (the copies are)")

    def fill(member: str | None) -> str:
        out, pos = [], lo
        for u in uses:
            out.append(text[pos:u.start])
            out.append(member if u.each and member else "|".join(group_members(u.group)))
            pos = u.end
        out.append(text[pos:hi])
        return "".join(out)

    if not each:
        return fill(None)
    # The part's leading whitespace and comments are written once, before the copies.
    body_lo = next((t.start for t in sig if lo <= t.start < hi), lo)
    head, tail_ws = text[lo:body_lo], len(text[lo:hi]) - len(text[lo:hi].rstrip())
    # Copies in name order: rows come grouped by kind A→Z, whatever the declaration order.
    copies = [fill(m)[body_lo - lo:].rstrip() for m in sorted(group_members(each.pop()))]
    return head + "\nUNION ALL\n".join(copies) + text[hi - tail_ws:hi]
