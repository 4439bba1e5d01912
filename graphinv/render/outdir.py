"""Output directories graphinv owns: it never deletes or overwrites a file it did not write.

A directory graphinv writes into holds a marker file, :data:`MARKER`, with the kind
of output (``view``, ``demo``) and the manifest of the files graphinv wrote there.
Before writing, :func:`check_output_dir` refuses system directories (``/``,
``/etc``, ``/usr``, the home directory itself, ...), paths that are not directories,
and non-empty directories without a marker of the same kind. :func:`publish` then
writes the new output into a fresh sibling directory, moves its files in one by one
(``os.replace``: atomic per file) and removes the files of the previous manifest that
the new output no longer has — stale cluster pages never sit beside current ones,
and files the user put there are left alone.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp()) / "view"
>>> def write(stage: Path) -> Path:
...     (stage / "index.html").write_text("v1")
...     return stage / "index.html"
>>> publish(d, "view", write) == d / "index.html"
True
>>> sorted(read_manifest(d)["files"])
['index.html']
>>> try:
...     check_output_dir(Path("/"), "view")
... except OutputError as exc:
...     print(exc.message)
refusing to write into a system directory
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from graphinv.errors import OutputError
from graphinv.util.tabular import OUTPUT_MARKER, write_text_atomic

__all__ = ["MARKER", "check_output_dir", "files_under", "finish_demo_dir", "publish",
           "read_manifest", "remove_listed", "start_demo_dir", "write_manifest"]

#: The marker file of a directory graphinv writes into (JSON: kind + files).
MARKER = OUTPUT_MARKER
_SYSTEM = frozenset({"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64",
                     "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr",
                     "/usr/bin", "/usr/lib", "/usr/local", "/usr/local/bin", "/usr/share",
                     "/var", "/var/tmp", "/var/lib", "/mnt", "/media", "/Users", "/System",
                     "/Library", "/Applications", "/private", "/private/tmp"})
T = TypeVar("T")


def _fix(kind: str) -> str:
    return f"choose an empty or new directory, e.g. --out graphinv-{kind}"


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The marker of ``path`` (``{"kind", "files", ...}``), or None when it has none.

    A marker that does not parse is treated as no marker: graphinv then owns nothing
    there and refuses to write.
    """
    try:
        data = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list) \
            or not all(isinstance(f, str) and _inside(f) for f in data["files"]):
        return None
    return data


def _inside(rel: str) -> bool:
    """A manifest entry names a file below the directory, never ``..`` or an absolute path."""
    p = Path(rel)
    return bool(rel) and not p.is_absolute() and ".." not in p.parts and p.name != MARKER


def write_manifest(path: Path, kind: str, files: Iterable[str], **extra: Any) -> None:
    """Write the marker of ``path`` atomically (temp file + rename)."""
    data = {"tool": "graphinv", "kind": kind, "files": sorted(set(files)), **extra}
    write_text_atomic(path / MARKER, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def check_output_dir(path: Path, kind: str) -> dict[str, Any] | None:
    """Refuse an output directory graphinv must not write into; return its manifest.

    Returns None for a new or empty directory, the manifest for a directory graphinv
    wrote before (same ``kind``). Raises :class:`OutputError` otherwise.
    """
    resolved = path.expanduser().resolve()
    if str(resolved) in _SYSTEM or resolved == Path.home().resolve() \
            or resolved == Path(resolved.anchor):
        raise OutputError("refusing to write into a system directory", value=str(path),
                          hint=_fix(kind))
    if not resolved.exists():
        return None
    if not resolved.is_dir():
        raise OutputError("output path is not a directory", value=str(path), hint=_fix(kind))
    try:
        entries = [e.name for e in os.scandir(resolved)]
    except OSError as exc:
        raise OutputError("cannot read the output directory", value=str(path),
                          hint=f"{_fix(kind)} ({exc.strerror})") from None
    if not entries:
        return None
    manifest = read_manifest(resolved)
    if manifest is None:
        raise OutputError("output directory is not empty and graphinv did not create it",
                          value=str(path), hint=f"{_fix(kind)} (graphinv writes only into "
                          f"directories holding its {MARKER} marker)")
    if manifest.get("kind") != kind:
        raise OutputError(f"output directory holds a graphinv {manifest.get('kind')!s:.20}, "
                          f"not a {kind}", value=str(path), hint=_fix(kind))
    return manifest


def files_under(root: Path) -> list[str]:
    """Relative paths of the regular files below ``root`` (the marker excluded)."""
    out = []
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            rel = (Path(dirpath) / n).relative_to(root).as_posix()
            if rel != MARKER:
                out.append(rel)
    return sorted(out)


def remove_listed(root: Path, files: Iterable[str]) -> None:
    """Delete the listed files below ``root`` (manifest entries), then the directories
    they leave empty; nothing else is touched."""
    dirs: set[Path] = set()
    for rel in files:
        if not _inside(rel):
            continue
        p = root / rel
        if p.is_symlink() or p.is_file():
            try:
                p.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise OutputError("cannot remove an old output file", value=str(p),
                                  hint=f"check permissions ({exc.strerror})") from None
        dirs.update(q for q in p.parents if q != root and root in q.parents)
    for d in sorted(dirs, key=lambda q: len(q.parts), reverse=True):
        with contextlib.suppress(OSError):
            d.rmdir()  # only if empty: a user's file keeps its folder


def publish(out: Path, kind: str, write: Callable[[Path], T]) -> T:
    """Run ``write(stage)`` into a fresh sibling directory, then swap its files into ``out``.

    Files of ``out``'s previous manifest that the new output lacks are removed; files
    graphinv did not write are never overwritten (refused before anything moves) nor
    removed. A Path returned by ``write`` inside the stage is translated into ``out``.
    """
    manifest = check_output_dir(out, kind)
    old = set(manifest["files"]) if manifest else set()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    except OSError as exc:
        raise OutputError("cannot write output", value=str(out),
                          hint=f"choose a writable location ({exc.strerror})") from None
    try:
        result = write(stage)
        new = files_under(stage)
        clash = [f for f in new if f not in old and os.path.lexists(out / f)]
        if clash:
            raise OutputError("output would overwrite a file graphinv did not write",
                              value=str(out / clash[0]), hint=_fix(kind))
        try:
            out.mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError("cannot write output", value=str(out),
                              hint=f"choose a writable location ({exc.strerror})") from None
        # Marked first with old and new files: an interruption while moving leaves
        # nothing graphinv wrote unrecorded.
        write_manifest(out, kind, old | set(new))
        for rel in new:
            target = out / rel
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(stage / rel, target)
            except OSError as exc:
                raise OutputError("cannot write output", value=str(target),
                                  hint=f"check free space and permissions ({exc.strerror})"
                                  ) from None
        remove_listed(out, old - set(new))
        write_manifest(out, kind, new)
    finally:
        shutil.rmtree(stage, ignore_errors=True)  # made by mkdtemp above: ours alone
    if isinstance(result, Path) and stage in result.parents:
        return out / result.relative_to(stage)
    return result


def start_demo_dir(out: Path) -> Path:
    """Claim ``out`` for ``graphinv demo`` and return its fresh ``data`` directory.

    A previous demo's store (files in its manifest) is removed; anything else there
    — a user's file, or what an interrupted demo left unrecorded — is refused, never
    deleted. The marker is written before the store so that a new demo's files are
    always inside a marked directory.
    """
    manifest = check_output_dir(out, "demo")
    data = out / "data"
    if manifest:
        remove_listed(out, manifest["files"])
    if data.exists() and (not data.is_dir() or any(data.iterdir())):
        raise OutputError("the demo's data directory holds files graphinv did not record",
                          value=str(data), hint="an interrupted demo or your own files: move "
                          "them away or choose a new --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError("cannot write output", value=str(out),
                          hint=f"choose a writable location ({exc.strerror})") from None
    write_manifest(out, "demo", [], status="running")
    return data


def finish_demo_dir(out: Path, status: str = "complete") -> None:
    """Record the files of the demo's store in the manifest (the next demo removes them)."""
    files = [f"data/{f}" for f in files_under(out / "data")]
    write_manifest(out, "demo", files, status=status)
