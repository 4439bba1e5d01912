"""Issue #16 input items (3, 4, 9-13) and their regressions: bad input is a clear error
or a rejected row, never a traceback, a phantom node or a false link.

Output-directory safety (#16.15, #20.1-2) lives in tests/test_output_dirs.py.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from graphinv.ingest.normalize import KEY_MAX, normalize_phone, normalize_text
from graphinv.ingest.pipeline import IngestOptions, IngestReport, ingest_paths
from graphinv.store import Store

HEADER = "shop_id,shop_name,platform,seller_name,seller_country,phone,email,shop_url,supplier"


def _ingest(store: Store | None, tmp: Path, *paths: Path, **kw: Any) -> IngestReport:
    rep = ingest_paths(store, list(paths), IngestOptions(data_dir=tmp / "data", **kw))
    assert rep.reconciled, (rep.read, rep.loaded, rep.rejected)
    return rep


def _rejects(rep: IngestReport) -> list[dict[str, str]]:
    if not rep.rejects_path:
        return []
    text = Path(rep.rejects_path).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(keepends=True)))


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


# -- #16.12 over-long identifiers ------------------------------------------------------------

def test_over_long_keys_hash_the_whole_value_never_merge() -> None:
    """Two 1,500-digit numbers that share their first 1,000 digits got one cut key (a false
    link); now each is keyed by a hash of the whole key, with its length, flagged."""
    a, b = "1" * 1500, "1" * 1499 + "2"
    ka, kb = normalize_phone(a).key, normalize_phone(b).key
    assert ka is not None and kb is not None and ka != kb
    assert len(ka) <= KEY_MAX and ka.startswith("invalid:") and ka.endswith(":1508")
    assert "too_long" in normalize_phone(a).issues
    assert normalize_phone(ka).key == ka  # keys stay idempotent
    ta, tb = normalize_text("word " * 300 + "a"), normalize_text("word " * 300 + "b")
    assert ta.key != tb.key and "too_long" in ta.issues


def test_over_long_phones_stay_two_nodes_in_the_store(store: Store, tmp_path: Path) -> None:
    a, b = "1" * 1500, "1" * 1499 + "2"
    rows = [f"L1,Shop 1,ebay,,,{a},,,", f"L2,Shop 2,ebay,,,{b},,,"]
    path = _write(tmp_path / "long.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    rep = _ingest(store, tmp_path, path)
    assert rep.loaded == 2
    assert sum(n for k, n in rep.issues.items() if k.endswith("too_long")) == 2
    linked = {(r[1], r[3]) for r in store.stream_rels("USES_PHONE")}
    assert len(linked) == 2 and len({p for _, p in linked}) == 2
