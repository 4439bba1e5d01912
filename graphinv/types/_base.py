"""Shared machinery of the value types: the :class:`Normalized` result, coercion,
caching, the safety net and the key length cap.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

__all__ = ["KEY_MAX", "Normalized", "Normalizer"]


#: Longer keys are replaced by a hash of the whole key (issue ``too_long``).
KEY_MAX = 1000
#: Characters of an over-long key kept readable in front of its hash.
_HASH_HEAD = 64
_HASHED_RE = re.compile(rf"(?s:.{{0,{_HASH_HEAD}}})#sha256:[0-9a-f]{{64}}:[1-9][0-9]*")
#: Raw values up to this length are memoized (ingest data repeats a lot): one
#: LRU cache of 2**15 results per normalizer (2**16 for phone numbers), about
#: 25 MB each when full.
_CACHE_MAX_LEN = 256
_CACHE_SIZE = 2**15

_EMPTY_PARTS: Mapping[str, str] = MappingProxyType({})


def _empty_parts() -> Mapping[str, str]:
    return _EMPTY_PARTS


def _aliases(spec: str, *, self_map: bool = True) -> dict[str, str]:
    """Parse ``slug: alias | alias`` lines into ``{alias: slug}``.

    With ``self_map`` every slug is also an alias of itself.
    """
    out: dict[str, str] = {}
    for line in spec.strip().splitlines():
        slug, _, names = line.partition(":")
        slug = slug.strip()
        if self_map:
            out[slug] = slug
        for alias in names.split("|"):
            if alias.strip():
                out[alias.strip()] = slug
    return out


@dataclass(frozen=True, slots=True)
class Normalized:
    """The result of a normalizer.

    Parameters
    ----------
    key : str or None
        Match key; ``None`` when the value is empty or unusable.
    display : str
        The raw value, trimmed, otherwise verbatim.
    issues : tuple of str
        Machine-readable flags, in a stable order, without duplicates.
    parts : Mapping[str, str]
        Extracted fields; read-only (results are cached and shared).

    Examples
    --------
    >>> r = Normalized("x", " X ")
    >>> r.key, r.issues, dict(r.parts)
    ('x', (), {})
    """

    key: str | None
    display: str
    issues: tuple[str, ...] = ()
    parts: Mapping[str, str] = field(default_factory=_empty_parts, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.parts, MappingProxyType):
            object.__setattr__(self, "parts", MappingProxyType(dict(self.parts)))
        if not isinstance(self.issues, tuple):
            object.__setattr__(self, "issues", tuple(self.issues))


#: A normalizer: ``fn(raw, **context) -> Normalized``.
Normalizer = Callable[..., Normalized]



_ISSUE_ORDER = (
    "lone_surrogate",
    "control_char",
    "zero_width",
    "bidi_override",
    "invisible_char",
    "mixed_script",
    "confusable",
)



def _order(issues: set[str] | frozenset[str]) -> tuple[str, ...]:
    if not issues:
        return ()
    head = [i for i in _ISSUE_ORDER if i in issues]
    return tuple(head + sorted(issues.difference(_ISSUE_ORDER)))



def _as_str(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    try:
        return str(raw)
    except Exception:
        return ""



Impl = Callable[[str, str | None], Normalized]


def _hashed_key(key: str) -> str:
    """Key of an over-long key: a readable head, then a hash and the length of the WHOLE key.

    Cutting keys to a prefix merged two different 1,500-digit numbers (a false
    link); the hash keeps every distinct key distinct.

    >>> k = _hashed_key("1" * 1500)
    >>> k.startswith("1" * 64 + "#sha256:") and k.endswith(":1500"), len(k)
    (True, 141)
    >>> _hashed_key("1" * 1500) == _hashed_key("1" * 1499 + "2")
    False
    """
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[:_HASH_HEAD]}#sha256:{digest}:{len(key)}"


def _make(
    key: str | None,
    display: str,
    issues: set[str],
    parts: Mapping[str, str] | None = None,
) -> Normalized:
    # impls hand over freshly built dicts: wrapping without a copy is safe
    frozen = MappingProxyType(parts) if parts else _EMPTY_PARTS
    return Normalized(key, display, _order(issues), frozen)


def _run(impl: Impl, cached: Impl, raw: object, country: object) -> Normalized:
    s = _as_str(raw)
    if country is not None and not isinstance(country, str):
        country = _as_str(country)
    try:
        if "#sha256:" in s and _HASHED_RE.fullmatch(s.strip()):
            # a hashed key fed back is its own key (keys are idempotent)
            return Normalized(s.strip(), s.strip(), ("too_long",))
        res = cached(s, country) if len(s) <= _CACHE_MAX_LEN else impl(s, country)
        if res.key is not None and len(res.key) > KEY_MAX:
            hashed = _hashed_key(res.key)
            res = replace(res, key=hashed, issues=_order(set(res.issues) | {"too_long"}))
        return res
    except Exception:  # safety net: a normalizer must never stop an ingest
        return Normalized(None, s.strip(), ("normalize_error",))


def _normalizer(impl: Impl, size: int = _CACHE_SIZE) -> tuple[Impl, Impl]:
    return impl, functools.lru_cache(maxsize=size)(impl)
