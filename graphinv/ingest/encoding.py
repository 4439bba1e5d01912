"""Which text encoding an input file is in: UTF-8 (with or without a BOM), or the one
legacy encoding (GB18030, Big5, Shift-JIS, EUC-KR, cp1252, Latin-1, cp1251...) that reads
it clearly better than every other; refuse when nothing fits or two readings tie.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from graphinv.errors import InputError

__all__ = ["detect_encoding"]

_SAMPLE = 1 << 20
_C1 = re.compile("[\x80-\x9f]")


_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|"
                       rb"[\xf0-\xf4][\x80-\xbf]{3}")


_CANDIDATES = ("gb18030", "big5", "shift_jis", "euc_kr", "cp1252", "latin_1", "cp1251",
               "utf_16")


_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "ascii": "utf-8",
            "iso-8859-1": "latin-1", "windows-1252": "cp1252"}


def detect_encoding(path: Path) -> str:
    """Guess the encoding from the first MiB: UTF-8 (BOM or not) first, then
    charset-normalizer; refuse when nothing fits."""
    with open(path, "rb") as fh:
        sample = fh.read(_SAMPLE)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample boundary is still UTF-8.
        if exc.start >= len(sample) - 4 and len(sample) == _SAMPLE:
            return "utf-8-sig"
        if _mostly_utf8(sample):
            # UTF-8 with a few corrupt bytes: a single-byte code page would
            # "decode" it into mojibake (CafÃ©) without any error.
            line = sample.count(b"\n", 0, exc.start) + 1
            raise InputError("file is not valid UTF-8", value=f"{path} (line {line}, byte "
                             f"{exc.start})", hint="it looks like UTF-8 with corrupt bytes: fix "
                             "the file, or pass --encoding if it really is another encoding"
                             ) from None
    from charset_normalizer import from_bytes

    # Candidates we expect from marketplace exports; an open-ended guess on a
    # small sample picks exotic code pages (cp1250 for Latin-1 text, say).
    matches = list(from_bytes(sample, cp_isolation=list(_CANDIDATES)))
    if not matches:
        raise InputError("cannot detect the file's encoding", value=str(path),
                         hint="pass --encoding (e.g. gb18030, latin-1)")
    best = matches[0]
    # A short sample often decodes cleanly in several code pages (GB18030, Big5 and
    # Shift-JIS; cp1252 and cp1251): when the detector cannot tell them apart, refuse
    # instead of guessing — a wrong guess is silent mojibake. With few non-ASCII bytes
    # only the language model (coherence) may decide; with more, less chaos also does.
    if len(sample.translate(None, _ASCII)) < _FEW:
        rivals = _rivals_few(sample, best.encoding, best.coherence,
                             {m.encoding: m.coherence for m in matches})
    else:
        rivals = [m.encoding for m in matches[1:] if str(m) != str(best)
                  and best.coherence < m.coherence + 0.2
                  and best.chaos + _margin(best.encoding, m.encoding) > m.chaos]
    if rivals:
        raise InputError("ambiguous encoding", value=f"{path}: could be {best.encoding} or "
                         f"{' or '.join(rivals)}", hint="pass --encoding with the right codec")
    enc = codecs.lookup(best.encoding).name
    return _ALIASES.get(enc, enc)


#: How much less chaotic (per charset-normalizer) the best reading must be than every
#: other one for the guess to count as detected; CJK code pages read each other's bytes
#: as plausible ideographs, so they need a wider margin (measured on shop/company names:
#: 0.05 let GB18030 pass as EUC-KR now and then, 0.1 never did).
_MARGIN = 0.05


_CJK = frozenset({"gb18030", "big5", "shift_jis", "euc_kr"})


def _margin(a: str, b: str) -> float:
    return 2 * _MARGIN if a in _CJK and b in _CJK else _MARGIN


#: Fewer non-ASCII bytes than this are too little evidence for "less chaotic" alone.
_FEW = 32


def _rivals_few(sample: bytes, best: str, coherence: float,
                known: dict[str, float]) -> list[str]:
    """Other candidate code pages that read a small sample differently. The guess
    stands only if the language model clearly recognizes its reading."""
    want = sample.decode(best, errors="replace")
    out = []
    for enc in _CANDIDATES:
        if enc == "utf_16" or codecs.lookup(enc).name == codecs.lookup(best).name:
            continue
        try:
            other = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        if _C1.search(other):
            continue  # C1 control characters: no real text reads like that
        if other != want and not (coherence >= 0.5 and coherence >= known.get(enc, 0) + 0.3):
            out.append(enc)
    return out


_ASCII = bytes(range(128))


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8 with a few corrupt bytes: well-formed multi-byte sequences and at most a
    handful of stray bytes, or mostly well-formed ones. Legacy CJK text forms such
    sequences only by accident (stray bytes everywhere); Latin-1 text almost never."""
    high = len(sample.translate(None, _ASCII))
    valid = sum(len(m) for m in _UTF8_SEQ.findall(sample))
    return valid > 0 and (high - valid <= 4 or valid >= 0.8 * high)


def _check_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise InputError("unknown encoding", value=name,
                         hint="use a Python codec name such as utf-8, gb18030, latin-1") from None
