"""Neo4j Cypher → the embedded store's (LadybugDB) dialect, on tokens.

Saved queries are written once, in Neo4j's Cypher. Before one runs on the
embedded store, the differences that would fail — or, worse, silently return
other rows — are rewritten (see ``/work/shared/notes/embedded-ladybug.md``):

=============================================  =====================================
Neo4j                                          LadybugDB
=============================================  =====================================
``shortestPath((a)-[*..6]-(b))``               ``(a)-[* SHORTEST 1..6]-(b)``
``allShortestPaths((a)-[*..6]-(b))``           ``(a)-[* ALL SHORTEST 1..6]-(b)``
``p = shortestPath(…) WHERE all(x IN nodes(p)  ``(a)-[* SHORTEST 1..6 (_r, x | WHERE q)]-(b)``
WHERE q)``  (likewise ``none``, relationships)
``-[:T*1..3]-`` (never reuses a relationship)  ``-[:T* TRAIL 1..3]-``
``p = (a)-[*1..3]-(b) WHERE none(x IN          ``(a)-[* TRAIL 1..3 (_r, x | WHERE NOT q)]-(b)``
nodes(p)[1..length(p)] WHERE q)`` (or ``all``)
``type(r)``                                    ``label(r)``
``labels(n)[0]`` / ``labels(n)``               ``label(n)`` / ``[label(n)]``
``[x IN l WHERE p | e]``                       ``list_transform(list_filter(l, x -> p), x -> e)``
``l[i]``, ``l[a..b]`` (0-based)                ``l[i+1]``, ``l[a+1..b]`` (1-based)
``toString(x)``, ``toInteger(x)``, …           ``CAST(x AS STRING)``, ``CAST(x AS INT64)``
``split(s, d)``                                ``string_split(s, d)``
``$p`` whose value is null or ``[]``           ``CAST($p AS TYPE)`` (typed from the header)
``n.flagged = true`` (a BOOLEAN property)      ``n.flagged``
=============================================  =====================================

A shortest path is searched *under* a predicate over all its nodes or
relationships in Neo4j, but LadybugDB would filter the shortest paths after the
search (other rows, silently): so the predicate is moved into the pattern, and
any other ``WHERE`` on a shortest path is a :class:`TranslationError`.
LadybugDB applies in-pattern filters to the intermediate nodes only, so the
endpoints should pass the predicate (they do for shops vs. hub identifiers).
The same filter prunes a plain variable-length path when the query's predicate
is over exactly its intermediate nodes, ``nodes(p)[1..length(p)]``: the results
are the same, but LadybugDB no longer walks every path before filtering them.

Neo4j seeks a property index only for a comparison, so saved queries write
``n.hub = true``; LadybugDB has no such index and filters the bare property faster
(``leads`` at 1M rows: 1.19 s against 0.70 s), and for a property the schema declares
BOOLEAN everywhere the two agree on every value, null included.

A list comprehension whose filter or expression reads a variable other than its
element is refused: LadybugDB 0.22 answers such a lambda wrongly when the same
projection holds another one.

Strings and comments are copied untouched. Constructs with no translation
(pattern comprehensions, map projections) are left alone and fail to compile
on the embedded store with a clear error; such queries declare
``requires: neo4j``.

>>> to_embedded("MATCH p = shortestPath((a)-[*..6]-(b)) RETURN [n IN nodes(p) | n.key] AS ks")
'MATCH p = (a)-[* SHORTEST 1..6]-(b) RETURN list_transform(nodes(p), n -> n.key) AS ks'
>>> to_embedded("MATCH (a)-[r*1..3]-(b) RETURN type(r[0]) AS t, labels(b)[0] AS k")
'MATCH (a)-[r* TRAIL 1..3]-(b) RETURN label(r[1]) AS t, label(b) AS k'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graphinv import schema
from graphinv.errors import QueryError
from graphinv.querylib.guard import PATH_MODES
from graphinv.querylib.lexer import KEYWORDS, Token, match_close, significant, tokenize

__all__ = ["to_embedded", "TranslationError"]

_CASTS = {"tostring": "STRING", "tointeger": "INT64", "tofloat": "DOUBLE",
          "toboolean": "BOOLEAN"}
_RENAMES = {"type": "label", "split": "string_split"}
_KNOWN_CALLS = frozenset({"shortestpath", "allshortestpaths", "labels", *_CASTS, *_RENAMES})


_BOOLEAN_PROPS = schema.boolean_props()


class TranslationError(QueryError):
    """A construct that cannot be rewritten for the embedded store."""


def to_embedded(cypher: str, casts: Mapping[str, str] | None = None) -> str:
    """Rewrite Neo4j Cypher for LadybugDB; ``casts`` maps parameter names to the
    LadybugDB type they must be CAST to (nulls and empty lists have no type there).

    >>> to_embedded("RETURN $shop AS s", {"shop": "STRING"})
    'RETURN CAST($shop AS STRING) AS s'
    """
    toks = tokenize(cypher)
    _check_optional_match(significant(toks))
    tr = _Translator(toks, dict(casts or {}))
    tr.find_trail_filters()
    return tr.run(0, len(toks), "TRAIL")


_CLAUSES = frozenset({"MATCH", "OPTIONAL", "WITH", "RETURN", "UNWIND", "CALL", "UNION",
                      "WHERE", "ORDER", "SKIP", "LIMIT", "CREATE", "MERGE", "SET", "DELETE",
                      "DETACH", "REMOVE", "FOREACH"})


def _check_optional_match(sig: Sequence[Token]) -> None:
    """Refuse two forms of ``OPTIONAL MATCH`` that LadybugDB answers differently.

    A label on an already bound variable: Neo4j keeps the row with nulls when
    ``OPTIONAL MATCH (x:Seller)-->(v)`` finds nothing (or ``x`` is not a Seller);
    LadybugDB drops the row. And ``IS NULL`` on a variable bound before, in the
    OPTIONAL MATCH's ``WHERE``: LadybugDB then finds nothing even where it is null
    (``IS NOT NULL`` is answered right). Other rows, silently, both times.

    >>> to_embedded("MATCH (x) OPTIONAL MATCH (x:Seller)-->(v) RETURN x, v")
    Traceback (most recent call last):
    ...
    graphinv.querylib.translate.TranslationError: a label on x, bound before this OPTIONAL \
MATCH, drops rows on the embedded store — line 1 — test it in the OPTIONAL MATCH's \
WHERE instead: OPTIONAL MATCH (x)-->(v) WHERE labels(x)[0] = 'Seller'
    """
    bound: set[str] = set()
    i, n = 0, len(sig)
    while i < n:
        tok = sig[i]
        if tok.is_kw("UNION"):
            bound = set()
        elif tok.is_kw("MATCH"):
            optional = i > 0 and sig[i - 1].is_kw("OPTIONAL")
            end = _clause_end(sig, i + 1)
            declared = set()
            for j in range(i + 1, end):
                call = sig[j - 1].kind == "ident" and sig[j - 1].upper not in KEYWORDS
                if not (sig[j].is_punct("(") and not call and j + 1 < end
                        and sig[j + 1].kind in ("ident", "qident")):
                    continue
                var = sig[j + 1].name
                if optional and var in bound and j + 2 < end and sig[j + 2].is_punct(":"):
                    label = sig[j + 3].name if j + 3 < end else "Label"
                    raise TranslationError(
                        f"a label on {var}, bound before this OPTIONAL MATCH, drops rows on "
                        "the embedded store", value=f"line {sig[j + 1].line}",
                        hint="test it in the OPTIONAL MATCH's WHERE instead: OPTIONAL MATCH "
                             f"({var})-->(v) WHERE labels({var})[0] = '{label}'")
                declared.add(var)
            if optional and end < n and sig[end].is_kw("WHERE"):
                _check_is_null(sig, end + 1, _clause_end(sig, end + 1), bound)
            bound |= declared
            i = end
            continue
        elif tok.is_kw("WITH"):
            end = _clause_end(sig, i + 1)
            first = i + 2 if i + 1 < end and sig[i + 1].is_kw("DISTINCT") else i + 1
            bound = bound if first < end and sig[first].is_punct("*") else set()
            depth = 0
            item: list[Token] = []
            for t in [*sig[i + 1:end], None]:
                if t is not None and t.is_punct("(", "[", "{"):
                    depth += 1
                elif t is not None and t.is_punct(")", "]", "}"):
                    depth -= 1
                if t is None or (depth == 0 and t.is_punct(",")):
                    if len(item) == 1 and item[0].kind in ("ident", "qident"):
                        bound.add(item[0].name)
                    elif len(item) >= 2 and item[-2].is_kw("AS"):
                        bound.add(item[-1].name)
                    item = []
                else:
                    item.append(t)
            i = end
            continue
        i += 1


def _check_is_null(sig: Sequence[Token], lo: int, hi: int, outer: set[str]) -> None:
    """``x IS NULL`` or ``x.p IS NULL`` in [lo, hi) with ``x`` in ``outer``: refused."""
    for j in range(lo, hi - 1):
        if not (sig[j].is_kw("IS") and sig[j + 1].is_kw("NULL")):
            continue
        k = j - 1
        if k - 2 >= lo and sig[k - 1].is_punct("."):
            k -= 2
        var = sig[k].name if k >= lo and sig[k].kind in ("ident", "qident") else ""
        if var in outer and not (k - 1 >= lo and sig[k - 1].is_punct(".")):
            raise TranslationError(
                f"IS NULL on {var}, bound before this OPTIONAL MATCH, finds nothing on the "
                "embedded store", value=f"line {sig[j].line}",
                hint=f"test it before the OPTIONAL MATCH (WITH … WHERE), or compare a value, "
                     f"e.g. coalesce({''.join(t.text for t in sig[k:j])}, '') = ''")


def _clause_end(sig: Sequence[Token], i: int) -> int:
    """Index of the next clause keyword at bracket depth 0 from ``i`` (or the end)."""
    depth = 0
    for j in range(i, len(sig)):
        t = sig[j]
        if t.is_punct("(", "[", "{"):
            depth += 1
        elif t.is_punct(")", "]", "}"):
            depth -= 1
        elif depth == 0 and t.kind == "ident" and t.upper in _CLAUSES:
            return j
    return len(sig)


class _Translator:
    def __init__(self, toks: Sequence[Token], casts: dict[str, str]) -> None:
        self.t = toks
        self.casts = casts
        # index of the next / previous significant token
        self.nxt: list[int] = [len(toks)] * (len(toks) + 1)
        nxt = len(toks)
        for i in range(len(toks) - 1, -1, -1):
            self.nxt[i] = nxt
            if toks[i].kind not in ("ws", "comment"):
                nxt = i
        self.prv: list[int] = [-1] * len(toks)
        prv = -1
        for i, tok in enumerate(toks):
            self.prv[i] = prv
            if tok.kind not in ("ws", "comment"):
                prv = i
        self._sig = [i for i, tok in enumerate(toks) if tok.kind not in ("ws", "comment")]
        self._sig_pos = {j: k for k, j in enumerate(self._sig)}
        self._sig_toks = [toks[j] for j in self._sig]
        self.skip: dict[int, int] = {}  # token index -> index to resume at (moved text)
        self.trail_filters: dict[int, str] = {}  # "[" of a var-length pattern -> its filter

    # -- helpers -------------------------------------------------------
    def first_sig(self, i: int) -> int:
        """``i`` if significant, else the next significant index."""
        if i < len(self.t) and self.t[i].kind not in ("ws", "comment"):
            return i
        return self.nxt[i]

    def close(self, i: int) -> int:
        """Index (in ``self.t``) of the bracket closing the one at ``i``."""
        c = match_close(self._sig_toks, self._sig_pos[i])
        if c < 0:
            raise TranslationError("unbalanced brackets", value=f"line {self.t[i].line}",
                                   hint="check the query's parentheses and brackets")
        return self._sig[c]

    def top_level(self, lo: int, hi: int, pred: object) -> list[int]:
        """Indexes in [lo, hi) at bracket depth 0 whose token satisfies ``pred``."""
        out, depth = [], 0
        for j in range(lo, hi):
            tok = self.t[j]
            if tok.is_punct("(", "[", "{"):
                depth += 1
            elif tok.is_punct(")", "]", "}"):
                depth -= 1
            elif depth == 0 and pred(tok):  # type: ignore[operator]
                out.append(j)
        return out

    # -- the rewrite ---------------------------------------------------
    def run(self, lo: int, hi: int, mode: str) -> str:
        out: list[str] = []
        i = lo
        while i < hi:
            if i in self.skip:
                i = self.skip[i]
                continue
            tok = self.t[i]
            nx = self.nxt[i] if i < len(self.t) else hi
            if tok.kind == "ident" and nx < hi and self.t[nx].is_punct("("):
                done = self.call(i, nx, hi, mode, out)
                if done is not None:
                    i = done
                    continue
            if tok.kind == "param" and tok.name in self.casts:
                out.append(f"CAST({tok.text} AS {self.casts[tok.name]})")
                i += 1
                continue
            if tok.is_punct("["):
                done = self.bracket(i, hi, mode, out)
                if done is not None:
                    i = done
                    continue
            if tok.is_punct("=") and self._is_true_test(i):
                i = self.nxt[i] + 1  # drop "= true"; the property alone is the test
                continue
            out.append(tok.text)
            i += 1
        return "".join(out)

    def _is_true_test(self, eq: int) -> bool:
        """``eq`` is the ``=`` of ``var.prop = true`` with ``prop`` BOOLEAN in the schema."""
        prop = self.prv[eq]
        dot = self.prv[prop] if prop >= 0 else -1
        var = self.prv[dot] if dot >= 0 else -1
        true = self.nxt[eq]
        after = self.nxt[true] if true < len(self.t) else len(self.t)
        return (var >= 0 and self.t[var].kind in ("ident", "qident")
                and self.t[dot].is_punct(".") and self.t[prop].kind == "ident"
                and self.t[prop].text in _BOOLEAN_PROPS
                and (var == 0 or not self.t[self.prv[var]].is_punct("."))
                and true < len(self.t) and self.t[true].is_kw("TRUE")
                and (after >= len(self.t) or not self.t[after].is_punct(".", "[", "(")))

    def call(self, i: int, open_i: int, hi: int, mode: str, out: list[str]) -> int | None:
        """Function-call rewrites; returns the index after the call, or None."""
        tok = self.t[i]
        prev = self.prv[i]
        if prev >= 0 and self.t[prev].is_punct("."):
            return None
        name = tok.text.lower()
        if name not in _KNOWN_CALLS:
            return None
        close = self.close(open_i)
        inner_lo = open_i + 1
        if name in ("shortestpath", "allshortestpaths"):
            m = "ALL SHORTEST" if name == "allshortestpaths" else "SHORTEST"
            self.pending_filter = self.path_filter(i, close, mode)
            out.append(self.run(inner_lo, close, m).strip())
            self.pending_filter = ""
            return close + 1
        if name in _CASTS:
            out.append(f"CAST({self.run(inner_lo, close, mode).strip()} AS {_CASTS[name]})")
            return close + 1
        if name in _RENAMES:
            out.append(f"{_RENAMES[name]}({self.run(inner_lo, close, mode)})")
            return close + 1
        if name == "labels":
            arg = self.run(inner_lo, close, mode)
            after = self.nxt[close]
            if after < hi and self.t[after].is_punct("["):
                end = self.close(after)
                inner = [self.t[j] for j in range(after + 1, end)
                         if self.t[j].kind not in ("ws", "comment")]
                if len(inner) == 1 and inner[0].text == "0":
                    out.append(f"label({arg})")
                    return end + 1
            out.append(f"[label({arg})]")
            return close + 1
        return None

    pending_filter = ""

    def path_filter(self, fn_i: int, close: int, mode: str) -> str:
        """For ``p = shortestPath(...) WHERE all(x IN nodes(p) WHERE q)``: the
        LadybugDB in-pattern filter ``(_r, x | WHERE q)``; the WHERE is skipped."""
        w = self.nxt[close]
        if w >= len(self.t) or not self.t[w].is_kw("WHERE"):
            return ""
        bad = TranslationError(
            "a WHERE on a shortest path is not portable", value=f"line {self.t[w].line}",
            hint="use WHERE all(x IN nodes(p) WHERE …) (or none, or relationships(p)) alone, "
                 "move other conditions to a following WITH … WHERE, "
                 "or declare requires: neo4j")
        eq = self.prv[fn_i]
        pvar_i = self.prv[eq] if eq >= 0 else -1
        if eq < 0 or not self.t[eq].is_punct("=") or pvar_i < 0:
            raise bad
        pvar = self.t[pvar_i].text
        seq: list[int] = []
        j = self.nxt[w]
        for _ in range(8):
            if j >= len(self.t):
                raise bad
            seq.append(j)
            j = self.nxt[j]
        quant, op, var, in_, fn, fo, pv, fc = (self.t[k] for k in seq)
        if not (quant.text.lower() in ("all", "none") and op.is_punct("(")
                and var.kind == "ident" and in_.is_kw("IN")
                and fn.text.lower() in ("nodes", "relationships", "rels") and fo.is_punct("(")
                and pv.text == pvar and fc.is_punct(")")):
            raise bad
        pred = self._moved_predicate(w, seq[0], seq[-1], mode)
        if pred is None:
            raise bad
        if fn.text.lower() == "nodes":
            return f" (_r, {var.text} | WHERE {pred})"
        return f" ({var.text}, _n | WHERE {pred})"

    def _moved_predicate(self, w: int, quant_i: int, last_i: int, mode: str) -> str | None:
        """The predicate ``q`` of ``WHERE all|none(x IN … WHERE q)`` (the quantifier at
        ``quant_i``, its list ending at ``last_i``), negated for ``none``, when that is
        the whole ``WHERE`` at ``w``; the ``WHERE`` is then skipped. None otherwise."""
        op_close = self.close(self.nxt[quant_i])
        wh = self.first_sig(last_i + 1)
        if wh >= op_close or not self.t[wh].is_kw("WHERE"):
            return None
        after = self.nxt[op_close]
        if after < len(self.t) and not self.t[after].is_kw(
                "RETURN", "WITH", "MATCH", "OPTIONAL", "UNWIND", "CALL", "UNION"):
            return None
        pred = self.run(wh + 1, op_close, mode).strip()
        if self.t[quant_i].text.lower() == "none":
            pred = f"NOT ({pred})"
        self.skip[w] = min(after, len(self.t))  # drop the WHERE and the space after it
        return pred

    def find_trail_filters(self) -> None:
        """For ``p = (a)-[*m..n]-(b) WHERE none(x IN nodes(p)[1..length(p)] WHERE q)``:
        the in-pattern filter ``(_r, x | WHERE NOT (q))`` on the one variable-length
        relationship, so LadybugDB prunes while it expands instead of walking every
        path first (Neo4j's slice is exactly the intermediate nodes, which is all a
        LadybugDB in-pattern filter sees). Other shapes are left to the ``WHERE``."""
        sig = self._sig
        for k in range(len(sig) - 2):
            pvar, eq, first = (self.t[sig[k + n]] for n in range(3))
            if not (pvar.kind == "ident" and eq.is_punct("=") and first.is_punct("(")):
                continue
            found = self._path_end(sig[k + 2])
            if found is None:
                continue
            end, var_rels = found
            if len(var_rels) == 1:
                filt = self._slice_filter(end, pvar.text)
                if filt:
                    self.trail_filters[var_rels[0]] = filt

    def _path_end(self, node_i: int) -> tuple[int, list[int]] | None:
        """Walk a path pattern from its first node: the index after it, and the
        ``[`` of each variable-length relationship in it."""
        var_rels: list[int] = []
        j = node_i
        while True:
            if not self.t[j].is_punct("("):
                return None
            n = self.nxt[self.close(j)]
            if n >= len(self.t) or not self.t[n].is_punct("-", "<-"):
                return n, var_rels
            n = self.nxt[n]
            if n < len(self.t) and self.t[n].is_punct("["):
                rc = self.close(n)
                if self.top_level(n + 1, rc, lambda t: t.is_punct("*")):
                    var_rels.append(n)
                n = self.nxt[rc]
                if n >= len(self.t) or not self.t[n].is_punct("-", "->"):
                    return None
                n = self.nxt[n]
            elif n < len(self.t) and self.t[n].is_punct("-", "->"):
                n = self.nxt[n]
            j = n
            if j >= len(self.t):
                return None

    def _slice_filter(self, w: int, pvar: str) -> str:
        """The filter text if ``w`` starts ``WHERE none|all(x IN nodes(p)[1..length(p)]
        WHERE q)`` followed by a clause; the ``WHERE`` is then skipped."""
        if w >= len(self.t) or not self.t[w].is_kw("WHERE"):
            return ""
        seq: list[int] = []
        j = self.nxt[w]
        for _ in range(16):
            if j >= len(self.t):
                return ""
            seq.append(j)
            j = self.nxt[j]
        texts = [self.t[k].text for k in seq]
        quant = texts[0].lower()
        if not (quant in ("all", "none") and texts[1] == "(" and self.t[seq[2]].kind == "ident"
                and self.t[seq[3]].is_kw("IN") and texts[4].lower() == "nodes"
                and texts[5:8] == ["(", pvar, ")"] and texts[8:11] == ["[", "1", ".."]
                and texts[11].lower() == "length" and texts[12:16] == ["(", pvar, ")", "]"]):
            return ""
        pred = self._moved_predicate(w, seq[0], seq[15], "TRAIL")
        return "" if pred is None else f" (_r, {texts[2]} | WHERE {pred})"

    def bracket(self, i: int, hi: int, mode: str, out: list[str]) -> int | None:
        close = self.close(i)
        prev = self.prv[i]
        p = self.t[prev] if prev >= 0 else None
        first = self.first_sig(i + 1)
        second = self.nxt[first] if first < close else close
        if (first < close and self.t[first].kind in ("ident", "qident")
                and second < close and self.t[second].is_kw("IN")):
            out.append(self.comprehension(first, second, close, mode))
            return close + 1
        if p is not None and p.is_punct("-", "<-"):
            out.append(self.rel_pattern(i, close, mode))
            return close + 1
        if p is not None and _indexable(p):
            out.append(self.index(i, close, mode))
            return close + 1
        return None

    def comprehension(self, var_i: int, in_i: int, close: int, mode: str) -> str:
        var = self.t[var_i].text
        src_lo = in_i + 1
        wheres = self.top_level(src_lo, close, lambda t: t.is_kw("WHERE"))
        pipes = self.top_level(src_lo, close, lambda t: t.is_punct("|"))
        pipe = pipes[0] if pipes else None
        where = wheres[0] if wheres and (pipe is None or wheres[0] < pipe) else None
        src_hi = where if where is not None else pipe if pipe is not None else close
        self._check_closure(var, src_hi, close)
        src = self.run(src_lo, src_hi, mode).strip()
        if where is not None:
            pred = self.run(where + 1, pipe if pipe is not None else close, mode).strip()
            src = f"list_filter({src}, {var} -> {pred})"
        if pipe is not None:
            expr = self.run(pipe + 1, close, mode).strip()
            src = f"list_transform({src}, {var} -> {expr})"
        return src

    def _check_closure(self, var: str, lo: int, hi: int) -> None:
        """Refuse a comprehension whose filter or expression reads another variable.

        LadybugDB 0.22 answers such a lambda wrongly when the projection holds another
        lambda: ``[k IN via WHERE NOT k IN direct]`` gave ``[]`` on every row
        (tests/test_query_translate.py). Only the element itself, parameters and
        literals are safe to read.
        """
        own = {var}
        for j in range(lo, hi):
            tok = self.t[j]
            if tok.kind not in ("ident", "qident") or tok.upper in KEYWORDS:
                continue
            prev, nxt = self.prv[j], self.nxt[j]
            if prev >= 0 and self.t[prev].is_punct(".", ":"):
                continue  # a property, or a label
            if nxt < len(self.t) and self.t[nxt].is_punct("(", ":"):
                continue  # a function, or a map key
            if nxt < len(self.t) and self.t[nxt].is_kw("IN"):
                own.add(tok.name)  # a nested comprehension's or quantifier's element
                continue
            if tok.name not in own:
                raise TranslationError(
                    f"a list comprehension over {var} reads {tok.name}, which the "
                    "embedded store can evaluate wrongly",
                    value=f"line {tok.line}",
                    hint=f"UNWIND the list and collect instead, or pass {tok.name} as a "
                         "parameter, or declare requires: neo4j")

    def rel_pattern(self, i: int, close: int, mode: str) -> str:
        stars = self.top_level(i + 1, close, lambda t: t.is_punct("*"))
        if not stars:
            return "[" + self.run(i + 1, close, mode) + "]"
        star = stars[0]
        j = self.first_sig(star + 1)
        if j < close and self.t[j].upper in PATH_MODES:
            return "[" + self.run(i + 1, close, mode) + "]"  # already LadybugDB syntax
        lo = hi = None
        if j < close and self.t[j].kind == "number":
            lo = self.t[j].text
            j = self.nxt[j]
        if j < close and self.t[j].is_punct(".."):
            j = self.nxt[j]
            if j < close and self.t[j].kind == "number":
                hi = self.t[j].text
                j = self.nxt[j]
        elif lo is not None:
            hi = lo
        if hi is None:
            raise TranslationError("variable-length path without an upper bound",
                                   value=f"line {self.t[star].line}",
                                   hint="give one, e.g. -[*1..4]-")
        head = self.run(i + 1, star, mode)
        rest = self.run(j, close, mode).strip() if j < close else ""
        filt = self.pending_filter if "SHORTEST" in mode else self.trail_filters.get(i, "")
        if filt and rest:
            raise TranslationError("cannot combine a path filter with more pattern text",
                                   value=f"line {self.t[star].line}",
                                   hint="declare requires: neo4j")
        return f"[{head}* {mode} {lo or 1}..{hi}{(' ' + rest) if rest else ''}{filt}]"

    def index(self, i: int, close: int, mode: str) -> str:
        sig = [j for j in range(i + 1, close) if self.t[j].kind not in ("ws", "comment")]
        toks = [self.t[j] for j in sig]
        if len(toks) == 1 and toks[0].kind == "string":
            return "[" + self.run(i + 1, close, mode) + "]"  # map access m['k']
        dots = self.top_level(i + 1, close, lambda t: t.is_punct(".."))
        if dots:
            d = dots[0]
            lo = self.run(i + 1, d, mode).strip()
            hi = self.run(d + 1, close, mode).strip()
            if hi.startswith("-") and hi[1:].isdigit():
                hi = str(int(hi) - 1)  # exclusive end from the back -> inclusive
            elif hi.startswith("-"):
                raise TranslationError("a computed negative slice end is not portable",
                                       value=hi, hint="use a literal or length(...)")
            return f"[{_plus_one(lo) if lo else '1'}..{hi}]"
        inner = self.run(i + 1, close, mode).strip()
        if inner.startswith("-"):
            return f"[{inner}]"  # negative positions count from the end in both
        return f"[{_plus_one(inner)}]"


def _plus_one(expr: str) -> str:
    """``"0"`` → ``"1"``; other expressions get ``(expr) + 1``."""
    if expr.isdigit():
        return str(int(expr) + 1)
    return f"({expr}) + 1"


def _indexable(prev: Token) -> bool:
    """Whether ``[`` after ``prev`` indexes a value (rather than opening a list)."""
    if prev.is_punct(")", "]", "}"):
        return True
    if prev.kind in ("param", "qident", "string"):
        return True
    return prev.kind == "ident" and prev.upper not in KEYWORDS
