"""Typed query parameters: declared in a query's header, validated before a run.

Types are ``int``, ``float``, ``str``, ``bool`` and ``list[str]``; ``int`` and
``float`` may carry an inclusive range. Missing, unknown, mistyped, out-of-range
or oversized values raise :class:`graphinv.errors.ParameterError` naming the
parameter and the expected type (the CLI exits 2).

>>> spec = ParamSpec("hops", "int", default=2, minimum=1, maximum=4, help="How far")
>>> bind_params([spec], {"hops": "3"}, from_text=True)
{'hops': 3}
>>> bind_params([spec], {})
{'hops': 2}
>>> bind_params([spec], {"hops": "9"}, from_text=True)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graphinv.errors.ParameterError: parameter 'hops' is out of range — 9 — expected int from 1 to 4...
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphinv.errors import ParameterError

__all__ = [
    "ParamSpec",
    "PARAM_TYPES",
    "REQUIRED",
    "MAX_STRING",
    "MAX_ITEMS",
    "bind_params",
    "parse_assignments",
    "coerce_text",
    "embedded_type",
]

#: Longest string value (characters) and longest list (items) a parameter may hold.
MAX_STRING = 10_000
MAX_ITEMS = 10_000
_INT_LIMIT = 2**63


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: Default of a parameter that must be given.
REQUIRED: Any = _Required()

#: Declared type → LadybugDB type name (used to CAST nulls and empty lists).
PARAM_TYPES = {"int": "INT64", "float": "DOUBLE", "str": "STRING", "bool": "BOOLEAN",
               "list[str]": "STRING[]"}

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter. ``default`` is :data:`REQUIRED` when it must be given;
    ``None`` means optional with no value."""

    name: str
    type: str
    default: Any = REQUIRED
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def describe(self) -> str:
        """``hops: int 1..4 = 2`` — the compact form shown by ``query list``.

        >>> ParamSpec("shop", "str").describe()
        'shop: str (required)'
        """
        rng = ""
        if self.minimum is not None or self.maximum is not None:
            lo = "" if self.minimum is None else _num(self.minimum)
            hi = "" if self.maximum is None else _num(self.maximum)
            rng = f" {lo}..{hi}"
        tail = " (required)" if self.required else f" = {json.dumps(self.default)}"
        return f"{self.name}: {self.type}{rng}{tail}"

    def expected(self) -> str:
        """What a valid value looks like, for error hints."""
        text = self.type
        if self.minimum is not None and self.maximum is not None:
            text += f" from {_num(self.minimum)} to {_num(self.maximum)}"
        elif self.minimum is not None:
            text += f" ≥ {_num(self.minimum)}"
        elif self.maximum is not None:
            text += f" ≤ {_num(self.maximum)}"
        if self.type == "str":
            text += f" of at most {MAX_STRING:,} characters"
        if self.type == "list[str]":
            text += f" of at most {MAX_ITEMS:,} items"
        return f"expected {text}" + (f" ({self.help})" if self.help else "")


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def embedded_type(type_name: str) -> str:
    """The LadybugDB type for a declared type.

    >>> embedded_type("list[str]")
    'STRING[]'
    """
    return PARAM_TYPES[type_name]


def _error(spec: ParamSpec, problem: str, value: Any) -> ParameterError:
    shown = value if isinstance(value, str) else repr(value)
    if isinstance(shown, str) and len(shown) > 60:
        shown = shown[:57] + "..."
    return ParameterError(f"parameter {spec.name!r} {problem}", value=shown, hint=spec.expected())


def coerce_text(spec: ParamSpec, text: str) -> Any:
    """Turn one command-line string into a value of ``spec.type``.

    ``list[str]`` accepts a JSON array (``["a","b"]``) or comma-separated text.

    >>> coerce_text(ParamSpec("on", "bool"), "Yes")
    True
    >>> coerce_text(ParamSpec("ks", "list[str]"), "a, b")
    ['a', 'b']
    """
    if spec.type == "str":
        return text
    t = text.strip()
    if spec.type == "int":
        try:
            return int(t, 10)
        except ValueError:
            raise _error(spec, "is not an integer", text) from None
    if spec.type == "float":
        try:
            return float(t)
        except ValueError:
            raise _error(spec, "is not a number", text) from None
    if spec.type == "bool":
        low = t.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise _error(spec, "is not true or false", text)
    if spec.type == "list[str]":
        if t.startswith("["):
            try:
                value = json.loads(t)
            except ValueError:
                raise _error(spec, "is not a JSON list of strings", text) from None
            return value
        return [part.strip() for part in t.split(",") if part.strip()] if t else []
    raise ParameterError(f"parameter {spec.name!r} has an unknown type", value=spec.type,
                         hint="use int, float, str, bool or list[str]")


def _check(spec: ParamSpec, value: Any) -> Any:
    """Validate a typed value (ints are not bools, floats are finite, sizes bounded)."""
    if value is None:
        if spec.default is None:
            return None
        raise _error(spec, "must not be null", value)
    t = spec.type
    if t == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _error(spec, "must be an integer", value)
        if abs(value) >= _INT_LIMIT:
            raise _error(spec, "is too large", value)
    elif t == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _error(spec, "must be a number", value)
        value = float(value)
        if not math.isfinite(value):
            raise _error(spec, "must be a finite number", value)
    elif t == "bool":
        if not isinstance(value, bool):
            raise _error(spec, "must be true or false", value)
    elif t == "str":
        if not isinstance(value, str):
            raise _error(spec, "must be a string", value)
        if len(value) > MAX_STRING:
            raise _error(spec, f"is too long ({len(value):,} characters)", value)
    elif t == "list[str]":
        if not isinstance(value, (list, tuple)):
            raise _error(spec, "must be a list of strings", value)
        if len(value) > MAX_ITEMS:
            raise _error(spec, f"has too many items ({len(value):,})", f"{len(value)} items")
        for item in value:
            if not isinstance(item, str):
                raise _error(spec, "must contain only strings", item)
            if len(item) > MAX_STRING:
                raise _error(spec, f"has an item that is too long ({len(item):,} characters)",
                             item)
        value = list(value)
    if t in ("int", "float"):
        if spec.minimum is not None and value < spec.minimum:
            raise _error(spec, "is out of range", value)
        if spec.maximum is not None and value > spec.maximum:
            raise _error(spec, "is out of range", value)
    return value


def bind_params(specs: Sequence[ParamSpec], given: Mapping[str, Any], *,
                from_text: bool = False) -> dict[str, Any]:
    """Validate ``given`` against ``specs`` and fill in defaults.

    With ``from_text`` the values are command-line strings (a list of strings
    for a ``list[str]`` parameter given several times) and are coerced first.
    """
    by_name = {s.name: s for s in specs}
    for name in given:
        if name not in by_name:
            known = ", ".join(by_name) or "no parameters"
            raise ParameterError(f"unknown parameter {name!r}", value=None,
                                 hint=f"this query takes: {known}")
    out: dict[str, Any] = {}
    for spec in specs:
        if spec.name not in given:
            if spec.required:
                raise ParameterError(
                    f"missing parameter {spec.name!r}", value=None,
                    hint=f"{spec.expected()}; pass -p {spec.name}=VALUE",
                )
            out[spec.name] = spec.default
            continue
        value = given[spec.name]
        if from_text:
            value = _from_text(spec, value)
        out[spec.name] = _check(spec, value)
    return out


def _from_text(spec: ParamSpec, value: Any) -> Any:
    if isinstance(value, str):
        return coerce_text(spec, value)
    if isinstance(value, (list, tuple)):
        if spec.type != "list[str]":
            raise _error(spec, "was given more than once", ", ".join(map(str, value)))
        items: list[Any] = []
        for v in value:
            coerced = coerce_text(spec, v)
            items.extend(coerced if isinstance(coerced, list) else [coerced])
            if len(items) > MAX_ITEMS:
                break
        return items
    return value


def parse_assignments(items: Iterable[str]) -> dict[str, str | list[str]]:
    """``["a=1", "b=x=y", "a=2"]`` → ``{"a": ["1", "2"], "b": "x=y"}`` (-p options).

    >>> parse_assignments(["shop=taobao:s1", "hops=2"])
    {'shop': 'taobao:s1', 'hops': '2'}
    """
    out: dict[str, str | list[str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError("a parameter must look like name=value", value=item,
                                 hint="e.g. -p min_platforms=2")
        if name in out:
            prev = out[name]
            out[name] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[name] = value
    return out
