"""Saved-query files: a header of ``//`` comment lines, then one Cypher query.

::

    // name: shop-neighbourhood
    // description: Everything within k hops of one shop, nearest first.
    // tags: explore, shop
    // param: shop str -- Shop key, e.g. taobao:tb-1001
    // param: hops int 1..4 = 2 -- How many hops to follow
    // example: -p shop=taobao:tb-1001 -p hops=2
    // requires: neo4j          (only for queries the embedded store cannot run)
    // sort-lists: platforms    (list columns sorted before output)
    // sort-rows: hops, path    (rows sorted by these columns after the run, for
    //                           orders the embedded store cannot do, e.g. by a list)
    MATCH ...

After the header, ``{{ identifier }}`` (and the other label groups of
:mod:`graphinv.querylib.groups`) is written out from the schema; :attr:`SavedQuery.text`
holds the query as it runs, :attr:`SavedQuery.source` the body as written.

A field line is ``// field: value``; a line indented by three or more spaces
after ``//`` continues the previous field; ``//`` alone separates. A param is
``NAME TYPE [LO..HI] [= DEFAULT] [-- HELP]`` with TYPE one of ``int``,
``float``, ``str``, ``bool``, ``list[str]`` and DEFAULT a JSON literal (a
missing default makes the parameter required; ``null`` makes it optional).
Every problem is reported as :class:`HeaderError` with the file and line.

>>> q = parse_query_text('''// name: demo
... // description: Count shops.
... // param: platform str = "ebay" -- Platform code
... MATCH (s:Shop {platform: $platform}) RETURN count(s) AS shops''', "demo.cypher")
>>> q.name, [p.describe() for p in q.params]
('demo', ['platform: str = "ebay"'])
>>> parse_query_text("// name: x\\n// colour: red\\nRETURN 1", "x.cypher")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graphinv.querylib.header.HeaderError: unknown header field 'colour' — x.cypher:2 — ...
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphinv.errors import ParameterError, QueryError
from graphinv.querylib.bounds import path_bound_params
from graphinv.querylib.groups import GroupError, expand_groups
from graphinv.querylib.guard import MAX_HOPS
from graphinv.querylib.lexer import Token, significant, tokenize
from graphinv.querylib.params import PARAM_TYPES, REQUIRED, ParamSpec, bind_params

__all__ = [
    "HeaderError",
    "SavedQuery",
    "parse_query_text",
    "load_query_file",
    "NAME_RE",
    "BACKENDS",
]

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
BACKENDS = ("neo4j", "embedded")
_FIELDS = ("name", "description", "tags", "param", "example", "requires", "sort-lists",
           "sort-rows")
_SINGLE = ("name", "description", "requires")
_FIELD_LINE = re.compile(r"^//\s?([A-Za-z][\w-]*)\s*:\s*(.*)$")
_CONT_LINE = re.compile(r"^//\s{3,}(\S.*)$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s+(?P<type>int|float|str|bool|list\[str\])(?![\w\[])"
    r"(?:\s+(?P<lo>-?\d+(?:\.\d+)?)?\.\.(?P<hi>-?\d+(?:\.\d+)?)?)?"
    r"(?P<rest>.*)$"
)
MAX_FILE_BYTES = 256 * 1024


class HeaderError(QueryError):
    """A saved-query file is invalid; ``path`` and ``line`` say where."""

    exit_code = 2

    def __init__(self, problem: str, path: str, line: int, hint: str | None = None) -> None:
        super().__init__(problem, value=f"{path}:{line}", hint=hint)
        self.path = path
        self.line = line


@dataclass(frozen=True)
class SavedQuery:
    """One query file, parsed. ``text`` is the whole file (header comments included,
    so engine line numbers match the file)."""

    name: str
    description: str
    text: str
    path: str
    params: tuple[ParamSpec, ...] = ()
    tags: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    requires: str | None = None
    sort_lists: tuple[str, ...] = ()
    sort_rows: tuple[str, ...] = ()
    used_params: frozenset[str] = field(default_factory=frozenset)
    body_line: int = 1
    #: The body as written, when label groups were expanded into :attr:`text`.
    source: str | None = None

    @property
    def portable(self) -> bool:
        """Runs on both stores (possibly after translation)."""
        return self.requires is None

    def runs_on(self, backend: str) -> bool:
        return self.requires is None or self.requires == backend

    @property
    def body(self) -> str:
        """The Cypher after the header."""
        return "\n".join(self.text.splitlines()[self.body_line - 1:])

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


def load_query_file(path: str | Path, *, saved: bool = True) -> SavedQuery:
    """Read and parse one ``.cypher`` file (UTF-8).

    ``saved`` applies the library rules (name and description present, name
    equal to the file name); ad-hoc files (``query run --file``) may have no
    header, and their undeclared ``$parameters`` become required strings.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise QueryError("cannot read the query file", value=str(p),
                         hint=exc.strerror or "check the path") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise HeaderError(f"query file larger than {MAX_FILE_BYTES // 1024} KB", str(p), 1,
                          "one query per file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise HeaderError("query file is not UTF-8", str(p), line, "save it as UTF-8") from exc
    return parse_query_text(text, str(p), saved=saved)


def parse_query_text(text: str, path: str, *, saved: bool = True) -> SavedQuery:
    """Parse a query file's text; ``path`` is used for messages and the default name."""
    lines = text.splitlines()
    if not saved and lines:
        first = _FIELD_LINE.match(lines[0].strip())
        if lines[0].strip().startswith("//") and (
                not first or first.group(1).lower() not in _FIELDS):
            lines = [""] + lines[1:]  # free comments on top of an ad-hoc file: no header
    fields: dict[str, list[tuple[int, str]]] = {}
    last: str | None = None
    body_line = len(lines) + 1
    for no, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped.startswith("//"):
            body_line = no
            break
        cont = _CONT_LINE.match(stripped)
        m = _FIELD_LINE.match(stripped)
        if cont and last is not None and not (m and m.group(1).lower() in _FIELDS):
            prev_no, prev = fields[last][-1]
            fields[last][-1] = (prev_no, f"{prev} {cont.group(1).strip()}")
            continue
        if stripped.strip("/-= \t") == "":
            last = None
            continue
        if not m:
            raise HeaderError("header line is not 'field: value'", path, no,
                              "fields: " + ", ".join(_FIELDS)
                              + "; indent continuation lines by 3 spaces after //")
        key = m.group(1).lower()
        if key not in _FIELDS:
            raise HeaderError(f"unknown header field {m.group(1)!r}", path, no,
                              "fields: " + ", ".join(_FIELDS))
        if key in _SINGLE and key in fields:
            raise HeaderError(f"header field {key!r} given twice", path, no,
                              f"first given on line {fields[key][0][0]}")
        fields.setdefault(key, []).append((no, m.group(2).strip()))
        last = key
    stem = Path(path).stem
    name = _one(fields, "name")
    if name is None:
        if saved:
            raise HeaderError("missing 'name' in the header", path, 1,
                              f"start the file with // name: {stem}")
        name = (1, stem)
    if saved and not NAME_RE.match(name[1]):
        raise HeaderError(f"invalid query name {name[1]!r}", path, name[0],
                          "use lower-case letters, digits and '-'")
    if saved and name[1] != stem:
        raise HeaderError(f"query name {name[1]!r} differs from the file name", path, name[0],
                          f"rename the file to {name[1]}.cypher or the query to {stem}")
    desc = _one(fields, "description")
    if desc is None and saved:
        raise HeaderError("missing 'description' in the header", path, 1,
                          "add // description: what the query finds")
    requires = _one(fields, "requires")
    if requires is not None and requires[1] not in BACKENDS:
        raise HeaderError(f"unknown backend {requires[1]!r} in 'requires'", path, requires[0],
                          "use requires: neo4j or requires: embedded")
    params = _params(fields.get("param", []), path)
    body = "\n".join(lines[body_line - 1:])
    if not body.strip():
        raise HeaderError("no query after the header", path, body_line,
                          "write the Cypher below the // header lines")
    used, first_use = _used_params(body, path, body_line)
    bounds = path_bound_params(body)
    # The file's own text after the header (line ends kept), with its groups written out.
    kept = text.splitlines(keepends=True)
    tail = "".join(kept[body_line - 1:])
    expanded = _expand(tail, path, body_line)
    declared = {p.name for p in params}
    if "param" in fields or saved:
        for pname in sorted(used - declared, key=lambda n: first_use[n]):
            raise HeaderError(f"parameter ${pname} is used but not declared", path,
                              first_use[pname], f"add // param: {pname} str -- …")
        for (no, _), spec in zip(fields.get("param", []), params, strict=True):
            if spec.name not in used:
                raise HeaderError(f"parameter {spec.name!r} is declared but not used", path,
                                  no, f"use ${spec.name} in the query or remove the line")
    else:
        params = tuple(ParamSpec(n, "int", minimum=0, maximum=MAX_HOPS, help="path bound")
                       if n in bounds else ParamSpec(n, "str", help="ad-hoc parameter")
                       for n in sorted(used, key=lambda n: first_use[n]))
    for spec in params:
        if spec.name in bounds and not (
                spec.type == "int" and spec.maximum is not None and spec.maximum <= MAX_HOPS
                and (spec.minimum is None or spec.minimum >= 0)):
            raise HeaderError(f"parameter ${spec.name} is a path bound but not a bounded int",
                              path, first_use[spec.name],
                              f"declare // param: {spec.name} int 1..{min(4, MAX_HOPS)} = 2 "
                              f"(at most {MAX_HOPS} hops)")
    source = None
    if expanded != tail:
        source = tail
        text = "".join(kept[:body_line - 1]) + expanded
    return SavedQuery(
        name=name[1],
        description=desc[1] if desc else "ad-hoc query",
        text=text,
        path=path,
        params=params,
        tags=tuple(t for _, v in fields.get("tags", []) for t in _split(v)),
        examples=tuple(v for _, v in fields.get("example", [])),
        requires=requires[1] if requires else None,
        sort_lists=tuple(t for _, v in fields.get("sort-lists", []) for t in _split(v)),
        sort_rows=tuple(t for _, v in fields.get("sort-rows", []) for t in _split(v)),
        used_params=frozenset(used),
        body_line=body_line,
        source=source,
    )


def _expand(body: str, path: str, body_line: int) -> str:
    """The body with its label groups written out from the schema (:mod:`.groups`).

    Parameters and path bounds were read from the body as written, so their lines are
    the file's; the copies an ``{{ each … }}`` adds hold the same ones.
    """
    try:
        return expand_groups(body)
    except GroupError as exc:
        line = body_line
        if isinstance(exc.value, str) and exc.value.startswith("line "):
            line = body_line + int(exc.value.split()[1]) - 1
        raise HeaderError(exc.message, path, line, exc.hint) from exc


def _one(fields: dict[str, list[tuple[int, str]]], key: str) -> tuple[int, str] | None:
    vals = fields.get(key)
    if not vals:
        return None
    return vals[0]


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _used_params(body: str, path: str, body_line: int) -> tuple[set[str], dict[str, int]]:
    try:
        toks: list[Token] = significant(tokenize(body))
    except QueryError as exc:
        line = body_line
        if isinstance(exc.value, str) and exc.value.startswith("line "):
            line = body_line + int(exc.value.split()[1]) - 1
        raise HeaderError(exc.message, path, line, exc.hint) from exc
    first: dict[str, int] = {}
    for t in toks:
        if t.kind == "param" and t.text != "$":
            first.setdefault(t.name, body_line + t.line - 1)
    return set(first), first


def _params(entries: list[tuple[int, str]], path: str) -> tuple[ParamSpec, ...]:
    out: list[ParamSpec] = []
    seen: dict[str, int] = {}
    for no, value in entries:
        m = _PARAM.match(value)
        if not m:
            words = value.split()
            if len(words) >= 2 and re.match(r"^[A-Za-z_]\w*$", words[0]):
                raise HeaderError(f"unknown type {words[1]!r} for parameter {words[0]!r}", path,
                                  no, "use int, float, str, bool or list[str]")
            raise HeaderError("invalid param line", path, no,
                              "write NAME TYPE [LO..HI] [= DEFAULT] [-- HELP], TYPE one of "
                              + ", ".join(PARAM_TYPES))
        pname, ptype = m.group("name"), m.group("type")
        if pname in seen:
            raise HeaderError(f"parameter {pname!r} declared twice", path, no,
                              f"first declared on line {seen[pname]}")
        seen[pname] = no
        lo, hi = m.group("lo"), m.group("hi")
        if (lo is not None or hi is not None) and ptype not in ("int", "float"):
            raise HeaderError(f"a range only applies to int and float, not {ptype}", path, no,
                              "remove the LO..HI part")
        default, help_text = _default_and_help(m.group("rest"), path, no)
        spec = ParamSpec(
            name=pname, type=ptype, default=default, help=help_text,
            minimum=None if lo is None else float(lo) if ptype == "float" else int(float(lo)),
            maximum=None if hi is None else float(hi) if ptype == "float" else int(float(hi)),
        )
        if default is not REQUIRED and default is not None:
            try:
                bind_params([spec], {pname: default})
            except ParameterError as exc:
                raise HeaderError(f"default of {pname!r} does not fit its type", path, no,
                                  spec.expected()) from exc
        out.append(spec)
    return tuple(out)


def _default_and_help(rest: str, path: str, no: int) -> tuple[Any, str]:
    rest = rest.strip()
    default: Any = REQUIRED
    if rest.startswith("="):
        src = rest[1:].lstrip()
        try:
            default, end = json.JSONDecoder().raw_decode(src)
        except ValueError:
            raise HeaderError("default is not a JSON literal", path, no,
                              'write numbers as 2 or 0.5, text as "quoted", true/false, '
                              '["a","b"] or null') from None
        rest = src[end:].strip()
    if rest and not rest.startswith("--"):
        raise HeaderError("unexpected text in param line", path, no,
                          f"put help after ' -- ' (got {rest[:30]!r})")
    return default, rest[2:].strip() if rest else ""
