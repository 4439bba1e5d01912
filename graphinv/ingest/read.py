"""Read input files into records, never losing a row silently.

Every physical record of a CSV/TSV, JSON Lines or JSON array file becomes either
a :class:`Record` (file, line, fields) or a :class:`Reject` (file, line, reason,
raw text). Encodings: UTF-8 with or without BOM, else detected (GB18030/GBK,
Big5, Latin-1/cp1252…) or forced; a file that does not decode cleanly in the
chosen encoding is refused as a whole — never decoded with replacement characters.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
>>> _ = p.write_bytes("\\ufeffshop_id,phone\\nS1,+86 138\\nS2\\n".encode("utf-8"))
>>> [(type(r).__name__, r.line) for r in read_file(p)]
[('Record', 2), ('Reject', 3)]
"""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphinv.errors import InputError
from graphinv.ingest.encoding import (
    _check_encoding,
    detect_encoding,
)
from graphinv.util.tabular import OUTPUT_MARKER

__all__ = [
    "Record",
    "Reject",
    "InputFile",
    "MAX_FIELD",
    "SUFFIXES",
    "discover",
    "detect_encoding",
    "file_sha256",
    "read_file",
]

#: Fields longer than this are rejected (not silently truncated).
MAX_FIELD = 128 * 1024
SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".json": "json"}
_MAX_DEPTH = 2


@dataclass
class Record:
    """One input record: ``fields`` maps header → value (strings, or lists for JSON)."""

    file: str
    line: int
    fields: dict[str, Any]
    #: The record as written in the file (a CSV line, a JSON object's text): what the
    #: rejects file shows when the record is rejected later (extraction, the store).
    raw: str = ""


@dataclass
class Reject:
    """A record that could not be read, with the reason and its raw text."""

    file: str
    line: int
    reason: str
    raw: str = ""


@dataclass
class InputFile:
    """A file to ingest with its checksum (drives idempotent evidence keys)."""

    path: Path
    kind: str
    sha256: str
    size: int
    encoding: str | None = None
    header: list[str] = field(default_factory=list)


def discover(paths: list[Path], skipped: list[tuple[str, str]] | None = None, *,
             exclude: tuple[Path, ...] = ()) -> list[Path]:
    """Expand directories (sorted, recursive) into supported files.

    Raises :class:`InputError` for a named path that does not exist or is not a
    regular file or directory (saying what it is: FIFO, device, broken or looping
    link) and for an unsupported file. Inside directories such entries — and
    hidden or unsupported files, links to directories — are skipped, never silently:
    each is appended to ``skipped`` as ``(path, what it is)``. So are graphinv's own
    directories found inside: ``exclude`` (the data directory: rejects and checkpoints)
    and folders holding a ``.graphinv-output`` marker (views, demos), whose CSV/JSON
    files would otherwise come back as records.
    """
    own = {q.resolve() for q in exclude}
    out: list[Path] = []
    for p in paths:
        what = _what(p)
        if what == "file" and not _utf8_name(p):
            raise InputError("file name is not valid UTF-8", value=_safe(str(p)),
                             hint="rename the file (its name goes into every evidence record)")
        if what == "directory":
            found: list[Path] = []
            passed: list[tuple[str, str]] = []
            _walk(p, found, passed, own)
            if skipped is not None:
                skipped.extend(passed)
            if not found:
                seen = f" (skipped {len(passed)}: {passed[0][0]} is a {passed[0][1]}" + (
                    ", …)" if len(passed) > 1 else ")") if passed else ""
                raise InputError("no input files in directory", value=_safe(str(p)),
                                 hint="expected .csv, .tsv, .jsonl or .json files" + seen)
            out.extend(sorted(found))
        elif what == "file":
            if p.suffix.lower() not in SUFFIXES:
                raise InputError("unsupported input file type", value=str(p),
                                 hint="use .csv, .tsv, .jsonl/.ndjson or .json")
            out.append(p)
        elif what == "missing":
            raise InputError("input path does not exist", value=str(p),
                             hint="check the path (relative to the current directory)")
        else:
            raise InputError(f"input path is a {what}, not a file or directory", value=str(p),
                             hint="give a regular .csv, .tsv, .jsonl or .json file (copy "
                             "the data to a file first)")
    return out


_KINDS = ((stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
          (stat.S_ISFIFO, "named pipe (FIFO)"), (stat.S_ISSOCK, "socket"))


def _what(p: Path) -> str:
    """What ``p`` is: file, directory, missing, or a name for anything else.

    >>> _what(Path("/dev/null")), _what(Path("/")), _what(Path("/no/such/path"))
    ('character device', 'directory', 'missing')
    """
    try:
        st = os.stat(p)
    except OSError as exc:
        if os.path.islink(p):
            if exc.errno == errno.ELOOP:
                return "symbolic link loop"
            return f"broken symbolic link (to {os.readlink(p)!r})"
        if isinstance(exc, FileNotFoundError | NotADirectoryError):
            return "missing"
        return f"path that cannot be read ({exc.strerror})"
    if stat.S_ISREG(st.st_mode):
        return "file"
    if stat.S_ISDIR(st.st_mode):
        return "directory"
    kind = next((name for test, name in _KINDS if test(st.st_mode)), "special file")
    return kind + (" (through a symbolic link)" if os.path.islink(p) else "")


def _utf8_name(p: Path) -> bool:
    """Undecodable bytes in a file name (surrogate escapes) cannot be stored as evidence."""
    try:
        str(p).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(d: Path, found: list[Path], skipped: list[tuple[str, str]],
          own: set[Path]) -> None:
    try:
        entries = sorted(os.scandir(d), key=lambda e: e.name)
    except OSError as exc:
        skipped.append((str(d), f"directory that cannot be read ({exc.strerror})"))
        return
    for e in entries:
        q = Path(e.path)
        if e.is_symlink() and _what(q) == "directory":
            # not followed (as before): a link to a parent directory loops
            skipped.append((str(q), "symbolic link to a directory (not followed)"))
            continue
        what = _what(q)
        if what == "directory" and (q.resolve() in own or (q / OUTPUT_MARKER).exists()):
            skipped.append((str(q), "graphinv's own output or data directory"))
        elif what == "directory":
            _walk(q, found, skipped, own)
        elif what != "file":
            skipped.append((str(q), what))
        elif not _utf8_name(q):
            skipped.append((_safe(str(q)), "file name that is not valid UTF-8 (rename it)"))
        elif e.name.startswith("."):
            skipped.append((str(q), "hidden file"))
        elif q.suffix.lower() not in SUFFIXES:
            skipped.append((str(q), "unsupported file type"))
        else:
            found.append(q)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_file(path: Path, *, encoding: str | None = None,
              info: InputFile | None = None) -> Iterator[Record | Reject]:
    """Yield every record of ``path`` as a Record or a Reject, in file order."""
    kind = SUFFIXES.get(path.suffix.lower(), "csv")
    enc = _check_encoding(encoding) if encoding else detect_encoding(path)
    if info is not None:
        info.encoding = enc
    name = str(path)
    # JSON Lines are separated by "\n" only: a bare "\r" is whitespace inside a record.
    newline = "\n" if kind == "jsonl" else ""
    try:
        with open(path, encoding=enc, errors="strict", newline=newline) as fh:
            if kind in ("csv", "tsv"):
                yield from _read_csv(fh, name, "\t" if kind == "tsv" else None, info)
            elif kind == "jsonl":
                yield from _read_jsonl(fh, name)
            else:
                yield from _read_json_array(fh.read(), name)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"file is not valid {enc}", value=f"{name} (byte {exc.start})",
            hint="pass --encoding with the right codec (e.g. gb18030, latin-1)",
        ) from exc


# -- CSV ---------------------------------------------------------------------

def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _Lines:
    """Physical lines with push-back, so a bad record can be re-read line by line."""

    def __init__(self, fh: Any) -> None:
        self._it = iter(fh)
        self._back: list[tuple[int, str]] = []
        self.no = 0

    def next(self) -> tuple[int, str] | None:
        if self._back:
            return self._back.pop()
        line = next(self._it, None)
        if line is None:
            return None
        self.no += 1
        return self.no, line

    def push(self, items: list[tuple[int, str]]) -> None:
        self._back.extend(reversed(items))


def _read_csv(fh: Any, name: str, delimiter: str | None,
              info: InputFile | None) -> Iterator[Record | Reject]:
    src = _Lines(fh)
    first = src.next()
    while first is not None and not first[1].strip():
        first = src.next()
    if first is None:
        raise InputError("empty file", value=name, hint="the file has no header and no rows")
    header_line = first[1].lstrip("\ufeff")
    delim = delimiter or _sniff_delimiter(header_line)
    try:
        header = next(csv.reader([header_line], delimiter=delim))
    except csv.Error as exc:
        too_big = "field limit" in str(exc)
        raise InputError(f"header cell over {MAX_FIELD // 1024} KB" if too_big
                         else "malformed CSV header", value=f"{name}:{first[0]}",
                         hint="the first line must be a header of column names"
                         + ("" if too_big else f" ({exc})")) from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    if not any(header):
        raise InputError("file has no header row", value=name,
                         hint="the first line must name the columns")
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise InputError("duplicate column names in header", value=f"{name}: {dup}",
                         hint="rename the columns so each is unique")
    if info is not None:
        info.header = header
    width = len(header)
    while True:
        item = src.next()
        if item is None:
            return
        lineno, text = item
        if not text.strip():
            continue
        taken: list[tuple[int, str]] = []
        if '"' in text and _open_quote(text, delim):
            joined, taken, error = _continue_record(src, text, delim)
            if error:
                yield Reject(name, lineno, error, _safe(text.rstrip("\r\n")[:2000]))
                continue
            text = joined
        raw = text.rstrip("\r\n")
        if "\x00" in text and not taken:
            yield Reject(name, lineno, "NUL byte in row", raw.replace("\x00", "\\0")[:2000])
            continue
        try:
            cells = next(csv.reader([text], delimiter=delim, strict=True))
            problem = None if len(cells) == width else (
                f"row has {len(cells)} fields, header has {width}")
        except csv.Error as exc:
            problem = (f"field over {MAX_FIELD // 1024} KB" if "field limit" in str(exc)
                       else f"malformed CSV: {exc}")
            if taken and "field limit" in str(exc) and _well_formed(text, delim, width):
                taken = []  # a real multi-line record with one huge field: reject it whole
        if not problem and taken and "\x00" in text:
            problem = "NUL byte in row"  # a real multi-line record (its fields line up)
            raw = raw.replace("\x00", "\\0")
            taken = []
        if problem:
            if taken:
                # A stray quote joined this line with the next ones: reject only
                # this line and read the following lines again on their own.
                src.push(taken)
                problem = "unterminated or stray quote"
                raw = text.split("\n", 1)[0].rstrip("\r")
            yield Reject(name, lineno, problem, _safe(raw[:2000]))
            continue
        if len(text) > MAX_FIELD:
            big = [h for h, c in zip(header, cells, strict=True) if len(c) > MAX_FIELD]
            if big:
                yield Reject(name, lineno, f"field over {MAX_FIELD // 1024} KB: {big[0]}",
                             raw[:2000])
                continue
        yield Record(name, lineno, dict(zip(header, cells, strict=True)), raw)


def _well_formed(text: str, delim: str, width: int) -> bool:
    """Does ``text`` parse as one strict record of ``width`` fields, whatever their size?"""
    old = csv.field_size_limit(len(text) + 1)
    try:
        return len(next(csv.reader([text], delimiter=delim, strict=True))) == width
    except csv.Error:
        return False
    finally:
        csv.field_size_limit(old)


def _continue_record(src: _Lines, text: str,
                     delim: str) -> tuple[str, list[tuple[int, str]], str | None]:
    """Join physical lines while a quoted field is open.

    A quote left open until the end of the file would swallow every following
    row (Python's csv does that silently): instead the record's first line is
    rejected and reading resumes on the next physical line.
    """
    taken: list[tuple[int, str]] = []
    joined = text
    while True:
        item = src.next()
        if item is None or len(joined) > MAX_FIELD * 4:
            if item is not None:
                taken.append(item)
            src.push(taken)
            return text, [], "unterminated quoted field"
        taken.append(item)
        joined += item[1]
        if not _open_quote(joined, delim):
            return joined, taken, None


_SPECIAL: dict[str, re.Pattern[str]] = {}


def _open_quote(text: str, delim: str) -> bool:
    """True if ``text`` ends inside a quoted field (RFC 4180 quoting).

    Only quotes, delimiters and line breaks matter, so the scan jumps between
    them instead of walking every character.
    """
    pat = _SPECIAL.get(delim)
    if pat is None:
        pat = _SPECIAL[delim] = re.compile('"|' + re.escape(delim) + r"|[\r\n]")
    inside = False
    skip_to = -1
    for m in pat.finditer(text):
        k = m.start()
        if k < skip_to:
            continue
        ch = text[k]
        if inside:
            if ch == '"':
                if text.startswith('"', k + 1):
                    skip_to = k + 2  # an escaped quote ("") stays inside
                    continue
                inside = False
            continue
        if ch == '"' and (k == 0 or text[k - 1] in (delim, "\r", "\n")):
            inside = True
    return inside


# -- JSON --------------------------------------------------------------------

class _BadJSON(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        dup = sorted({k for k in keys if keys.count(k) > 1})
        raise _BadJSON(f"duplicate key {dup[0]!r}")
    return dict(pairs)


def _constant(name: str) -> Any:
    raise _BadJSON(f"non-finite number {name}")


def _validate(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise _BadJSON(f"record is a {type(obj).__name__}, expected an object")
    out: dict[str, Any] = {}
    for k, v in obj.items():
        _check_key(k)
        out[k] = _scalar_or_list(k, v, 1)
    return out


def _check_key(key: str) -> None:
    """Keys travel too (column names in the report, JSON output): a key that cannot be
    encoded crashed the rejects file and ``--format json``."""
    _check_text(key, f"key {key!r}", f"key over {MAX_FIELD // 1024} KB")


def _check_text(text: str, where: str, too_long: str) -> None:
    """Refuse text the rejects file and JSON output cannot carry (one record, not the file)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _BadJSON(f"invalid Unicode (lone surrogate) in {where}") from None
    if "\x00" in text:
        raise _BadJSON(f"NUL byte in {where}")
    if len(text) > MAX_FIELD:
        raise _BadJSON(too_long)


def _scalar_or_list(key: str, v: Any, depth: int) -> Any:
    if isinstance(v, str):
        _check_text(v, repr(key), f"field over {MAX_FIELD // 1024} KB: {key}")
        return v
    if v is None or isinstance(v, (bool, int, float)):
        return None if v is None else str(v)
    if isinstance(v, list):
        if depth >= _MAX_DEPTH:
            raise _BadJSON(f"nesting too deep in {key!r}")
        return [_scalar_or_list(key, x, depth + 1) for x in v]
    raise _BadJSON(f"nested object in {key!r}: flatten it or use a mapping")


def _loads(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)


def _read_jsonl(fh: Any, name: str) -> Iterator[Record | Reject]:
    any_line = False
    for lineno, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        any_line = True
        raw = line.rstrip("\r\n")
        try:
            yield Record(name, lineno, _validate(_loads(line.lstrip("\ufeff"))), raw)
        except (_BadJSON, ValueError, RecursionError) as exc:
            yield Reject(name, lineno, f"bad JSON record: {_msg(exc)}", _safe(raw[:2000]))
    if not any_line:
        raise InputError("empty file", value=name, hint="the file has no records")


def _read_json_array(text: str, name: str) -> Iterator[Record | Reject]:
    text = text.lstrip("\ufeff")
    stripped = text.strip()
    if not stripped:
        raise InputError("empty file", value=name, hint="the file has no records")
    if not stripped.startswith("["):
        try:
            yield Record(name, 1, _validate(_loads(text)), text.strip())
        except (_BadJSON, ValueError, RecursionError) as exc:
            yield Reject(name, 1, f"bad JSON record: {_msg(exc)}", _safe(text[:2000]))
        return
    dec = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant)
    pos = text.index("[") + 1
    n = len(text)
    lineno, counted = 1, 0
    while True:
        while pos < n and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= n:
            raise InputError("JSON array is not closed", value=name, hint="check the file end")
        if text[pos] == "]":
            return
        lineno += text.count("\n", counted, pos)  # incremental: linear in the file size
        counted = pos
        start = pos
        try:
            obj, end = dec.raw_decode(text, pos)
        except (_BadJSON, RecursionError) as exc:
            end = _skip_value(text, pos)
            yield Reject(name, lineno, f"bad JSON record: {_msg(exc)}", _safe(text[pos:end][:2000]))
            pos = end
            continue
        except ValueError as exc:
            raise InputError("malformed JSON array", value=f"{name}:{lineno}",
                             hint=_msg(exc)) from exc
        pos = end
        try:
            yield Record(name, lineno, _validate(obj), text[start:end])
        except (_BadJSON, RecursionError) as exc:
            yield Reject(name, lineno, f"bad JSON record: {_msg(exc)}",
                         _safe(text[start:end][:2000]))


def _skip_value(text: str, pos: int) -> int:
    """End of the JSON value starting at ``pos`` (brackets balanced, strings skipped)."""
    depth = 0
    k = pos
    n = len(text)
    in_str = False
    while k < n:
        ch = text[k]
        if in_str:
            if ch == "\\":
                k += 2
                continue
            if ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth <= 0:
                return k + 1 if depth == 0 else k
        elif ch == "," and depth == 0:
            return k
        k += 1
    return n


def _msg(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nesting too deep"
    return str(exc).splitlines()[0][:200]


def _safe(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def file_info(path: Path) -> InputFile:
    """Checksum and size of an input file."""
    return InputFile(path=path, kind=SUFFIXES.get(path.suffix.lower(), "csv"),
                     sha256=file_sha256(path), size=os.path.getsize(path))


__all__ += ["file_info"]
