"""E-mail addresses: ``local@punycode-domain`` keys; host helpers shared with URLs.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from graphinv.types._base import Normalized, _make, _normalizer, _run
from graphinv.types._text import _WS_RE, _clean, _text_issues

__all__ = ["display", "key", "normalize", "normalize_email"]


_LOCAL_BAD_RE = re.compile(r'[\s<>()\[\],;:"\\]')
#: Providers whose documented rules make several spellings one mailbox: dots in the
#: local part ignored (Gmail only), ``+tag`` ignored (each documents sub-addressing).
#: Domain aliases map to the canonical domain.
_PROVIDER_DOMAIN = {"googlemail.com": "gmail.com"}
_IGNORES_DOTS = frozenset({"gmail.com"})
_PLUS_TAGS = frozenset({
    "gmail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "icloud.com", "me.com",
    "mac.com", "fastmail.com", "fastmail.fm", "protonmail.com", "proton.me", "pm.me",
})


def _mailbox(local: str, domain: str) -> tuple[str, str]:
    """The mailbox an address delivers to, by the provider's documented rules."""
    domain = _PROVIDER_DOMAIN.get(domain, domain)
    if domain in _PLUS_TAGS and "+" in local[1:]:
        local = local.split("+", 1)[0]
    if domain in _IGNORES_DOTS:
        local = local.replace(".", "")
    return local, domain
_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


@functools.lru_cache(maxsize=65536)
def _ascii_host(host: str) -> str | None:
    """Lower-case ASCII (punycode) form of a host name, or None if invalid."""
    host = host.lower().rstrip(".")
    if not host or len(host) > 253:
        return None
    if not host.isascii():
        encoded: str | None = None
        try:
            import idna

            encoded = idna.encode(host, uts46=True).decode("ascii")
        except Exception:
            try:
                encoded = host.encode("idna").decode("ascii")
            except Exception:
                return None
        host = encoded.lower().rstrip(".")
    labels = host.split(".")
    if not all(_LABEL_RE.match(lb) for lb in labels):
        return None
    return host


def _email_impl(s: str, country: str | None) -> Normalized:
    issues: set[str] = set()
    display = s.strip()
    cleaned = _clean(s, issues).strip()
    _text_issues(cleaned, issues)
    low = cleaned.lower()
    if not low.isascii():
        low = unicodedata.normalize("NFKC", low)
    if not low:
        return _make(None, display, issues)
    if low.startswith("invalid:"):
        issues.add("invalid_email")
        return _make(low, display, issues)
    addr = low
    if addr.startswith("mailto:"):
        addr = addr[7:].split("?", 1)[0].strip()
    if addr.startswith("<") and addr.endswith(">"):
        addr = addr[1:-1].strip()
    local, at, domain = addr.partition("@")
    ascii_domain = None
    if (
        at
        and local
        and not _LOCAL_BAD_RE.search(local)
        and not local.startswith(".")
        and not local.endswith(".")
        and "@" not in domain
        and "." in domain.rstrip(".")
        and not _WS_RE.search(addr)
        and len(local) <= 64
    ):
        ascii_domain = _ascii_host(domain)
    if ascii_domain is None or "." not in ascii_domain or ascii_domain.rsplit(".", 1)[1].isdigit():
        issues.add("invalid_email")
        return _make("invalid:" + low, display, issues)
    box_local, box_domain = _mailbox(local, ascii_domain)
    if box_local and (box_local, box_domain) != (local, ascii_domain):
        issues.add("email_alias")
        local, ascii_domain = box_local, box_domain
    return _make(
        f"{local}@{ascii_domain}", display, issues, {"local": local, "domain": ascii_domain}
    )


_EMAIL = _normalizer(_email_impl)


def normalize_email(raw: str, **context: Any) -> Normalized:
    """E-mail address: trimmed, NFKC, lower-cased, IDN domain in punycode.

    A ``mailto:`` prefix and surrounding ``<...>`` are dropped. The shape must
    be one ``@``, a non-empty local part (at most 64 characters) and a valid
    domain with a dot; otherwise the key is ``invalid:<lowered>`` with
    ``invalid_email``. Provider rules make aliases one key (flag
    ``email_alias``; the raw stays the display): Gmail ignores dots and
    ``googlemail.com`` is ``gmail.com``; ``+tag`` is dropped where the provider
    documents sub-addressing (Gmail, Outlook/Hotmail/Live/MSN, iCloud, Fastmail,
    Proton). Elsewhere dots and ``+`` are part of the mailbox.
    ``parts``: ``local``, ``domain``.

    Examples
    --------
    >>> normalize_email("  John.Doe@Example.COM ").key
    'john.doe@example.com'
    >>> normalize_email("John.Doe+shop1@GoogleMail.com").key
    'johndoe@gmail.com'
    >>> normalize_email("john.doe+x@example.com").key
    'john.doe+x@example.com'
    >>> normalize_email("info@例子.中国").key
    'info@xn--fsqu00a.xn--fiqs8s'
    >>> normalize_email("not-an-email").key
    'invalid:not-an-email'
    """
    return _run(*_EMAIL, raw, None)


#: This kind's normalizer under the name every value type uses.
normalize = normalize_email


def key(raw: str, **context: Any) -> str | None:
    """Match key of ``raw`` (``None`` when empty or unusable); ``context`` as :func:`normalize`.

    Examples
    --------
    >>> key(" Seller@Example.COM ")
    'seller@example.com'
    """
    return normalize_email(raw, **context).key


def display(raw: str) -> str:
    """The raw value as shown to investigators: trimmed, otherwise verbatim.

    Examples
    --------
    >>> display(" Seller@Example.COM ")
    'Seller@Example.COM'
    """
    return normalize_email(raw).display
