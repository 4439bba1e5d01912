"""Variable-length path bounds taken from parameters: ``-[*1..$hops]-``.

Neither Neo4j nor LadybugDB accepts a ``$parameter`` as the bound of a
variable-length pattern. Writing the widest bound and filtering with
``WHERE length(p) <= $hops`` is correct but makes both engines walk every path
up to the widest bound first: at 1M shops, ``shop-neighbourhood`` with
``hops=2`` walked four hops through a hub used by thousands of shops and ran the
embedded store's buffer pool dry. So a saved query may name an ``int`` parameter
as a bound; before the guard sees the text, the runner writes the parameter's
bound-checked value there. It is the one value ever written into query text
(besides the row ``LIMIT``), it is an integer the header declares with a
maximum of at most :data:`~graphinv.querylib.guard.MAX_HOPS`, and the guard then
checks the result like any literal bound.

>>> path_bound_params("MATCH p = (s)-[*1..$hops]-(n) RETURN n")
{'hops'}
>>> inline_path_bounds("MATCH p = (s)-[:X*$lo..$hi]-(n) WHERE n.k = $hi RETURN n",
...                    {"lo": 1, "hi": 3})
'MATCH p = (s)-[:X*1..3]-(n) WHERE n.k = $hi RETURN n'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from graphinv.errors import QueryError
from graphinv.querylib.guard import PATH_MODES
from graphinv.querylib.lexer import Token, match_close, significant, tokenize
from graphinv.querylib.params import ParamSpec

__all__ = ["path_bound_params", "inline_path_bounds", "default_bounds"]


def _bound_tokens(sig: Sequence[Token]) -> Iterator[Token]:
    """The ``$param`` tokens that stand for a bound in ``-[...*lo..hi...]-``."""
    for i, tok in enumerate(sig):
        if not (tok.is_punct("[") and i and sig[i - 1].is_punct("-", "<-")):
            continue
        close = match_close(sig, i)
        if close < 0:
            continue
        star = next((j for j in range(i + 1, close) if sig[j].is_punct("*")), None)
        if star is None:
            continue
        j = star + 1
        while j < close and sig[j].upper in PATH_MODES:
            j += 1
        for _ in range(2):  # lo, then hi after ".."
            if j < close and sig[j].kind == "param":
                yield sig[j]
                j += 1
            elif j < close and sig[j].kind == "number":
                j += 1
            if j < close and sig[j].is_punct(".."):
                j += 1
            else:
                break


def path_bound_params(cypher: str) -> set[str]:
    """Names of the parameters used as variable-length path bounds in ``cypher``."""
    return {t.name for t in _bound_tokens(significant(tokenize(cypher)))}


def inline_path_bounds(cypher: str, values: Mapping[str, object]) -> str:
    """``cypher`` with each parameter bound replaced by its (bound-checked) value.

    Raises :class:`QueryError` when the value is not a non-negative integer.
    """
    toks = list(_bound_tokens(significant(tokenize(cypher))))
    if not toks:
        return cypher
    out: list[str] = []
    pos = 0
    for tok in toks:
        value = values.get(tok.name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise QueryError("a path bound must be a non-negative integer",
                             value=f"${tok.name} = {value!r}",
                             hint=f"declare // param: {tok.name} int 1..4 = 2 and pass a number")
        out += [cypher[pos:tok.start], str(value)]
        pos = tok.end
    out.append(cypher[pos:])
    return "".join(out)


def default_bounds(cypher: str, specs: Sequence[ParamSpec]) -> dict[str, int]:
    """Values to show a query's path bounds with when none are given: each bound's
    default, else its maximum (``graphinv query show --embedded``)."""
    names = path_bound_params(cypher)
    out: dict[str, int] = {}
    for spec in specs:
        if spec.name not in names:
            continue
        if isinstance(spec.default, int) and not isinstance(spec.default, bool):
            out[spec.name] = spec.default
        elif spec.maximum is not None:
            out[spec.name] = int(spec.maximum)
    return out
