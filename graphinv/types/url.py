"""URLs: canonical http(s) keys; anything else (``javascript:``...) has no key.
"""

from __future__ import annotations

import re
from typing import Any

from graphinv.types._base import Normalized, _as_str, _make, _normalizer, _run
from graphinv.types._text import _REMOVE_RE, _clean, _text_issues
from graphinv.types.email import _ascii_host

__all__ = ["display", "is_safe_url", "key", "normalize", "normalize_url"]


_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_KNOWN_SCHEMES = frozenset(
    """
about blob chrome data feed file filesystem ftp intent irc jar javascript ldap livescript
mailto mhtml ms-its news res resource smb sms ssh tel vbscript view-source ws wss
""".split()
)
_PORT_ONLY_RE = re.compile(r"^\d*(?:[/?#]|$)")
_URL_STRIP = "".join(chr(i) for i in range(0x21))
_TAB_NL_RE = re.compile("[\t\n\r]")
_PCT_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_BAD_PCT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&()*+,;=:@/%"
)
_QUERY_SAFE = _PATH_SAFE - {"&"}
_TRACKING_PARAMS = frozenset(
    """
_ga _gl dclid fbclid gclid igshid mc_cid mc_eid msclkid scm spm yclid
""".split()
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_IPV6_RE = re.compile(r"^\[[0-9a-f:.]+\]$")


def _pct_fix(m: re.Match[str]) -> str:
    ch = chr(int(m.group(1), 16))
    return ch if ch in _UNRESERVED else "%" + m.group(1).upper()


def _pct_normalize(s: str, safe: frozenset[str] = _PATH_SAFE) -> str:
    s = _BAD_PCT_RE.sub("%25", s)
    if any(c not in safe for c in s):
        out = []
        for c in s:
            if c in safe:
                out.append(c)
            else:
                out.extend(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass"))
        s = "".join(out)
    return _PCT_RE.sub(_pct_fix, s)


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    out: list[str] = []
    for seg in path.split("/")[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    if path.endswith(("/.", "/..")):
        out.append("")
    return "/" + "/".join(out)


def _split_url(s: str, issues: set[str]) -> dict[str, str] | None:
    """Parse a cleaned URL into normalized components; None when not usable."""
    s = _TAB_NL_RE.sub("", s).strip(_URL_STRIP)
    if not s:
        return None
    m = _SCHEME_RE.match(s)
    scheme = "https"
    rest = s
    if m:
        cand = m.group(1).lower()
        after = s[m.end() :]
        if cand in ("http", "https"):
            scheme, rest = cand, after
        elif cand in _KNOWN_SCHEMES or not ("." in cand or _PORT_ONLY_RE.match(after)):
            issues.add("non_http_url")
            return {"scheme": cand}
    elif s.startswith(("//", "\\\\")):
        pass
    rest = rest.replace("\\", "/").lstrip("/")
    end = len(rest)
    for sep in "/?#":
        i = rest.find(sep)
        if i != -1 and i < end:
            end = i
    authority, tail = rest[:end], rest[end:]
    frag = ""
    if "#" in tail:
        tail, frag = tail.split("#", 1)
    path, _, query = tail.partition("?")
    userinfo, at, hostport = authority.rpartition("@")
    if at:
        issues.add("url_userinfo")
    port = ""
    if hostport.startswith("["):
        host, _, p = hostport.partition("]")
        host += "]"
        port = p[1:] if p.startswith(":") else ""
        if p and not p.startswith(":"):
            return None
        host = host.lower()
        if not _IPV6_RE.match(host):
            return None
    else:
        host, _, port = hostport.partition(":")
        host = _PCT_RE.sub(lambda m: chr(int(m.group(1), 16)), host)
        if _IPV4_RE.match(host):
            pass
        else:
            ascii_host = _ascii_host(host)
            if ascii_host is None or ("." not in ascii_host and ascii_host != "localhost"):
                return None
            host = ascii_host
    if port:
        if not port.isdigit() or not port.isascii() or int(port) > 65535:
            return None
        port = str(int(port))
        if port == _DEFAULT_PORTS[scheme]:
            port = ""
    path = _remove_dot_segments("/" + _pct_normalize(path).lstrip("/"))
    path = path.rstrip("/") or "/"
    params = []
    for p in query.split("&"):
        if not p:
            continue
        name = p.split("=", 1)[0].lower()
        if name in _TRACKING_PARAMS or name.startswith("utm_"):
            continue
        params.append(_pct_normalize(p, _QUERY_SAFE))
    params.sort()
    return {
        "scheme": scheme,
        "host": host,
        "port": port,
        "path": path,
        "query": "&".join(params),
        "fragment": _pct_normalize(frag) if frag else "",
    }


def _url_impl(s: str, country: str | None) -> Normalized:
    issues: set[str] = set()
    display = s.strip()
    cleaned = _clean(s, issues)
    _text_issues(cleaned, issues)
    if not cleaned.strip(_URL_STRIP):
        return _make(None, display, issues)
    comp = _split_url(cleaned, issues)
    if comp is None:
        issues.add("invalid_url")
        return _make(None, display, issues)
    if "host" not in comp:  # refused scheme
        return _make(None, display, issues, {"scheme": comp["scheme"]})
    host = comp["host"]
    key_host = host
    while key_host.startswith("www.") and "." in key_host[4:]:
        key_host = key_host[4:]
    port = ":" + comp["port"] if comp["port"] else ""
    query = "?" + comp["query"] if comp["query"] else ""
    key = f"{comp['scheme']}://{key_host}{port}{comp['path']}{query}"
    frag = "#" + comp["fragment"] if comp["fragment"] else ""
    href = f"{comp['scheme']}://{host}{port}{comp['path']}{query}{frag}"
    parts = {"scheme": comp["scheme"], "host": key_host, "href": href}
    return _make(key, display, issues, parts)


_URL = _normalizer(_url_impl)


def normalize_url(raw: str, **context: Any) -> Normalized:
    """Web address: scheme and host normalized, non-http(s) refused.

    Key: ``scheme://host[:port]/path[?query]``; the scheme and host are
    lower-cased (IDN host in punycode), a leading ``www.`` is dropped, default
    ports are dropped, percent-escapes normalized, dot segments resolved, a
    trailing slash removed (the root path is ``/``), tracking parameters
    (``utm_*``, ``spm``, ``fbclid``, ...) dropped, the remaining parameters
    sorted, the fragment dropped. ``http`` and ``https`` stay distinct keys;
    compare ``parts["host"]`` to link by site. No scheme -> ``https``.

    ``javascript:``, ``data:``, ``file:``, ``vbscript:`` and any other
    non-http(s) scheme give key ``None`` and ``non_http_url``; a host that is
    not a valid domain (with a dot), IP or ``localhost`` gives ``invalid_url``.
    ``parts["href"]`` is a normalized absolute http(s) URL (``www.`` and the
    fragment kept), safe to use as a link target after HTML escaping.

    Examples
    --------
    >>> normalize_url("HTTPS://WWW.Example.com:443/Shop/?utm_source=x&b=2&a=1#top").key
    'https://example.com/Shop?a=1&b=2'
    >>> normalize_url("example.com").key
    'https://example.com/'
    >>> r = normalize_url("javascript:alert(1)")
    >>> r.key, r.issues
    (None, ('non_http_url',))
    """
    return _run(*_URL, raw, None)


_UNSAFE_HREF_RE = re.compile("[\x00-\x20\x7f-\x9f\"'<>\\\\`\u00a0\u2028\u2029]")
_HTTP_PREFIX_RE = re.compile(r"^https?://", re.IGNORECASE)


def is_safe_url(s: str) -> bool:
    """True iff ``s`` may be rendered verbatim as a link target.

    That is: it starts with ``http://`` or ``https://``, contains no
    whitespace, control, quote, angle bracket, backslash or hidden
    (zero-width, bidi) character, and normalizes to a valid URL. Anything else
    (``javascript:``, ``data:``, scheme-less text, ``java\\tscript:``) should be
    shown as plain text, or linked through ``normalize_url(s).parts["href"]``.

    Examples
    --------
    >>> is_safe_url("https://shop.example.com/item?id=1")
    True
    >>> is_safe_url("javascript:alert(1)"), is_safe_url(" JaVaScRiPt:alert(1)")
    (False, False)
    >>> is_safe_url("example.com")
    False
    """
    s = _as_str(s)
    if not _HTTP_PREFIX_RE.match(s) or _UNSAFE_HREF_RE.search(s):
        return False
    if not s.isascii() and _REMOVE_RE.search(s):
        return False
    r = normalize_url(s)
    return r.key is not None and "normalize_error" not in r.issues


#: This kind's normalizer under the name every value type uses.
normalize = normalize_url


def key(raw: str, **context: Any) -> str | None:
    """Match key of ``raw`` (``None`` when empty or unusable); ``context`` as :func:`normalize`.

    Examples
    --------
    >>> key("HTTPS://www.Example.com/shop?utm_source=x")
    'https://example.com/shop'
    """
    return normalize_url(raw, **context).key


def display(raw: str) -> str:
    """The raw value as shown to investigators: trimmed, otherwise verbatim.

    Examples
    --------
    >>> display("HTTPS://www.Example.com/shop?utm_source=x")
    'HTTPS://www.Example.com/shop?utm_source=x'
    """
    return normalize_url(raw).display
