"""graphinv ingest: real fixture files in several encodings and layouts, both stores."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from graphinv.errors import InputError, MappingError
from graphinv.ingest.pipeline import IngestOptions, ingest_paths
from graphinv.store import Store
from tests.graph_digest import graph_digest

FX = Path(__file__).parent / "fixtures" / "ingest"


def _ingest(store: Store | None, tmp_path: Path, *names: str, **kw: Any) -> Any:
    opts = IngestOptions(data_dir=tmp_path / "data", **kw)
    return ingest_paths(store, [FX / n for n in names], opts)


def _keys(store: Store, label: str) -> list[str]:
    return sorted(r[0] for r in store.stream_nodes(label, []))


def _rejects(report: Any) -> list[dict[str, str]]:
    with open(report.rejects_path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_flat_records_normalize_and_link(store: Store, tmp_path: Path) -> None:
    rep = _ingest(store, tmp_path, "flat_utf8.csv")
    assert (rep.read, rep.loaded, rep.rejected) == (3, 3, 0)
    assert _keys(store, "Shop") == ["aliexpress:a1", "ebay:a2", "shopee:a3"]
    assert _keys(store, "Phone") == ["+6591234567", "+8613800138000"]
    assert _keys(store, "Email") == ["moon@toys.sg", "sales@bright.com"]
    assert _keys(store, "PaymentAccount") == ["alipay:2088123456789012", "paypal:moon@toys.sg"]
    # Three spellings of one warehouse (postcode, "No.", full-width digits) → one key each side.
    addrs = _keys(store, "Address")
    assert len(addrs) == 2 and addrs[0].startswith("CN:50 ")
    assert _keys(store, "Supplier") == ["shenzhen bright star electronics"]
    assert _keys(store, "Seller") == ["CN:bright star trading", "SG:moon toys"]  # no "Ltd"
    shops = {r[0]: r for r in store.stream_nodes("Shop", ["shop_id", "platform", "country"])}
    assert shops["aliexpress:a1"][1:] == ("A1", "aliexpress", "CN")
    rels = sorted((r[1], r[3]) for r in store.stream_rels("USES_PHONE"))
    assert rels == [("aliexpress:a1", "+8613800138000"), ("ebay:a2", "+8613800138000"),
                    ("shopee:a3", "+6591234567")]
    # Raw spellings are kept for display and evidence.
    phone = store.get_nodes("Phone", ["+8613800138000"])["+8613800138000"]
    assert sorted(phone["raws"]) == ["+86 138 0013 8000", "0086 13800138000"]


def test_provenance_on_every_link(store: Store, tmp_path: Path) -> None:
    rep = _ingest(store, tmp_path, "flat_utf8.csv", source="test-purchases")
    rows = {(r[1], r[3]): r for r in store.stream_rels("PAID_VIA", ["ev", "ev_count",
                                                                     "first_run"])}
    ev = [json.loads(e) for e in rows[("ebay:a2", "alipay:2088123456789012")][4]]
    assert ev == [{"source": "test-purchases", "file": "flat_utf8.csv", "line": 3,
                   "run": rep.run_id, "at": rep.started, "raw": "ALIPAY-2088 1234 5678 9012"}]
    assert rows[("ebay:a2", "alipay:2088123456789012")][6] == rep.run_id
    runs = store.run_read("MATCH (r:IngestRun) RETURN r.key, r.status, r.files")
    assert runs.rows[0][0] == rep.run_id and runs.rows[0][1] == "complete"
    assert json.loads(runs.rows[0][2])[0]["sha256"] == rep.files[0].sha256


def test_reingest_changes_nothing_and_new_source_adds_evidence(store: Store,
                                                               tmp_path: Path) -> None:
    _ingest(store, tmp_path, "flat_utf8.csv")
    first = graph_digest(store)
    rep = _ingest(store, tmp_path, "flat_utf8.csv")
    assert sum(rep.nodes_new.values()) == 0 and sum(rep.links_new.values()) == 0
    assert sum(rep.evidence_new.values()) == 0
    assert graph_digest(store) == first
    # Same content under another name is the same evidence (keyed by checksum + line).
    copy = tmp_path / "copy.csv"
    copy.write_bytes((FX / "flat_utf8.csv").read_bytes())
    ingest_paths(store, [copy], IngestOptions(data_dir=tmp_path / "data"))
    assert graph_digest(store)["counts"] == first["counts"]
    # The JSON file asserts the same phone for another shop: a new link, new evidence.
    rep = _ingest(store, tmp_path, "records.jsonl")
    assert rep.links_new["USES_PHONE"] == 3 and rep.nodes_new["Phone"] == 2


@pytest.mark.parametrize("name", ["flat_bom.csv", "flat_utf8.csv"])
def test_bom_header_recognized(embedded_store: Store, tmp_path: Path, name: str) -> None:
    rep = _ingest(embedded_store, tmp_path, name)
    assert rep.files[0].encoding == "utf-8-sig"
    assert _keys(embedded_store, "Shop") == ["aliexpress:a1", "ebay:a2", "shopee:a3"]


def test_gb18030_detected_and_decoded(embedded_store: Store, tmp_path: Path) -> None:
    rep = _ingest(embedded_store, tmp_path, "flat_gb18030.csv")
    assert rep.files[0].encoding == "gb18030" and rep.rejected == 0
    shops = {r[0]: r[1] for r in embedded_store.stream_nodes("Shop", ["name"])}
    assert shops == {"taobao:g1": "深圳明星电子旗舰店", "taobao:g2": "明星数码专营店"}
    # 13800138000 (local, country 中国) and 138-0013-8000 → one E.164 key.
    assert _keys(embedded_store, "Phone") == ["+8613800138000"]
    assert _keys(embedded_store, "PaymentAccount") == ["alipay:2088123456789012"]


def test_latin1_detected_and_decoded(embedded_store: Store, tmp_path: Path) -> None:
    rep = _ingest(embedded_store, tmp_path, "flat_latin1.csv")
    assert rep.files[0].encoding in ("cp1252", "latin-1", "iso8859-1")
    names = [r[1] for r in embedded_store.stream_nodes("Shop", ["name"])]
    assert names == ["Café Müller Boutique"]
    assert _keys(embedded_store, "PaymentAccount") == ["iban:DE89370400440532013000"]


def test_wrong_forced_encoding_is_refused_not_replaced(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        _ingest(None, tmp_path, "flat_gb18030.csv", encoding="utf-8")
    assert "not valid utf-8" in str(err.value) and "--encoding" in str(err.value)


def test_forced_encoding_used(embedded_store: Store, tmp_path: Path) -> None:
    rep = _ingest(embedded_store, tmp_path, "flat_gb18030.csv", encoding="gbk")
    assert rep.loaded == 2


@pytest.mark.parametrize("name", ["records.jsonl", "records.json"])
def test_json_layouts(embedded_store: Store, tmp_path: Path, name: str) -> None:
    rep = _ingest(embedded_store, tmp_path, name)
    assert (rep.read, rep.loaded) == (2, 2)
    assert _keys(embedded_store, "Shop") == ["amazon:j1", "amazon:j2"]
    assert _keys(embedded_store, "Phone") == ["+12125550142", "+8613800138000",
                                              "+8613912345678"]
    site = embedded_store.get_nodes("Shop", ["amazon:j1"])["amazon:j1"]["site"]
    assert site == "amazon.de"


def test_bad_csv_rows_rejected_with_line_and_reason(store: Store, tmp_path: Path) -> None:
    rep = _ingest(store, tmp_path, "bad_rows.csv")
    assert rep.read == 10 and rep.read == rep.loaded + rep.rejected
    got = [(r["line"], r["reason"]) for r in _rejects(rep)]
    assert got == [
        ("3", "row has 14 fields, header has 12"),
        ("4", "missing shop_id (the row names a shop but not its id or URL)"),
        ("5", "NUL byte in row"),
        ("6", "unterminated or stray quote"),
        ("8", "field over 128 KB"),
    ]
    assert all(r["file"].endswith("bad_rows.csv") for r in _rejects(rep))
    # The stray quote on line 6 did not swallow line 7, nor the multi-line row 10-11.
    assert _keys(store, "Shop") == ["ebay:c1", "ebay:c5", "ebay:c7", "ebay:c8", "ebay:c9"]


def test_hostile_values_stored_verbatim(store: Store, tmp_path: Path) -> None:
    _ingest(store, tmp_path, "bad_rows.csv")
    evil = "x'}) DETACH DELETE n //"
    sellers = {r[1] for r in store.stream_nodes("Seller", ["name"])}
    assert evil in sellers
    c5 = store.get_nodes("Shop", ["ebay:c5"])["ebay:c5"]
    assert c5["url"] is None and "non_http_url" in c5["issues"]
    c7 = store.get_nodes("Shop", ["ebay:c7"])["ebay:c7"]
    assert c7["name"] == "<img src=x onerror=alert(1)>"
    zw = [r for r in store.stream_nodes("Seller", ["name", "issues"]) if "Width" in r[1]]
    assert zw and "zero_width" in zw[0][2]


def test_bad_json_records_rejected(embedded_store: Store, tmp_path: Path) -> None:
    rep = _ingest(embedded_store, tmp_path, "bad_records.jsonl")
    reasons = [r["reason"] for r in _rejects(rep)]
    assert len(reasons) == 7 and rep.loaded == 1
    assert any("duplicate key" in r for r in reasons)
    assert any("non-finite" in r for r in reasons)
    assert any("lone surrogate" in r for r in reasons)
    assert any("nesting too deep" in r for r in reasons)


def test_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty file"):
        _ingest(None, tmp_path, "empty.csv")


def test_header_only_file_reads_zero_rows(embedded_store: Store, tmp_path: Path) -> None:
    rep = _ingest(embedded_store, tmp_path, "header_only.csv")
    assert (rep.read, rep.loaded, rep.rejected) == (0, 0, 0)


def test_unknown_layout_needs_mapping(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no recognizable columns"):
        _ingest(None, tmp_path, "unknown_layout.csv")


@pytest.mark.parametrize("mapping", ["custom_mapping.toml", "custom_mapping.yaml"])
def test_mapping_file(embedded_store: Store, tmp_path: Path, mapping: str) -> None:
    rep = _ingest(embedded_store, tmp_path, "custom_layout.csv", mapping=FX / mapping)
    assert rep.loaded == 1 and rep.source == "partner-export"
    assert _keys(embedded_store, "Shop") == ["aliexpress:x100"]
    assert _keys(embedded_store, "Phone") == ["+8613800138000", "+8613912345678"]


def test_bad_mapping_names_key_and_allowed_values(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as err:
        _ingest(None, tmp_path, "custom_layout.csv", mapping=FX / "bad_mapping.toml")
    assert "fields.telephone" in str(err.value) and "phone" in str(err.value)
    with pytest.raises(MappingError) as err:
        _ingest(None, tmp_path, "custom_layout.csv", mapping=FX / "bad_mapping_column.toml")
    assert "No Such Column" in str(err.value) and "Store No." in str(err.value)


def test_flags_on_shops_and_identifiers(store: Store, tmp_path: Path) -> None:
    rep = _ingest(store, tmp_path, "flat_utf8.csv",
                  flags=[FX / "flags.csv", FX / "id_flags.csv"])
    assert rep.flags_loaded == 2 and rep.rejected == 1
    assert _rejects(rep)[0]["reason"].startswith("unknown flag 'bogus'")
    shop = store.get_nodes("Shop", ["aliexpress:a1"])["aliexpress:a1"]
    assert shop["flagged"] is True
    assert json.loads(shop["flags"][0])["flag"] == "takedown"
    phone = store.get_nodes("Phone", ["+8613800138000"])["+8613800138000"]
    assert phone["flagged"] is True


def test_near_duplicates_linked_same_as(store: Store, tmp_path: Path) -> None:
    rep = _ingest(store, tmp_path, "near_dups.csv")
    same = sorted((r[0], r[4], r[5]) for r in store.stream_rels("SAME_AS", ["score", "method"]))
    assert [s[0] for s in same] == ["Address", "Supplier"]
    assert rep.same_as == 2
    assert all(s[1] >= 0.9 for s in same)
    rep = _ingest(store, tmp_path, "near_dups.csv")
    assert rep.same_as == 0


def test_no_resolve(embedded_store: Store, tmp_path: Path) -> None:
    rep = _ingest(embedded_store, tmp_path, "near_dups.csv", resolve=False)
    assert rep.same_as == 0 and not list(embedded_store.stream_rels("SAME_AS"))


def test_supplier_list_without_shops(embedded_store: Store, tmp_path: Path) -> None:
    rep = _ingest(embedded_store, tmp_path, "suppliers.csv")
    assert rep.loaded == 1
    rels = list(embedded_store.stream_rels("LOCATED_AT"))
    assert rels and rels[0][0] == "Supplier"


def test_dry_run_writes_nothing(embedded_store: Store, tmp_path: Path) -> None:
    rep = _ingest(embedded_store, tmp_path, "bad_rows.csv", dry_run=True)
    # dry_run with a store: still nothing written
    assert rep.dry_run and rep.rejected == 5
    assert sum(embedded_store.counts()[0].values()) == 0


def test_strict_stops_before_writing(embedded_store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        _ingest(embedded_store, tmp_path, "bad_rows.csv", strict=True)
    assert "bad_rows.csv:3" in str(err.value)
    assert sum(embedded_store.counts()[0].values()) == 0


def test_duplicate_shop_conflict_reported(embedded_store: Store, tmp_path: Path) -> None:
    src = (FX / "flat_utf8.csv").read_text(encoding="utf-8")
    dup = src + "A1,Other Name,,AliExpress,Another Seller,CN,,,,,,2024-06-01\n"
    p = tmp_path / "dup.csv"
    p.write_text(dup, encoding="utf-8")
    rep = ingest_paths(embedded_store, [p], IngestOptions(data_dir=tmp_path / "data"))
    assert rep.conflicts == 2
    shop = embedded_store.get_nodes("Shop", ["aliexpress:a1"])["aliexpress:a1"]
    assert shop["name"] == "Bright Store 旗舰店"  # first row wins, deterministically
    ops = sorted(r[1] for r in embedded_store.stream_rels("OPERATES") if r[3] == "aliexpress:a1")
    assert ops == ["CN:another seller", "CN:bright star trading"]  # the clash is kept as evidence


class _Crash(Exception):
    pass


class _CrashingStore:
    """Wraps a store and raises after ``n`` writes (a crash mid-ingest)."""

    def __init__(self, inner: Store, n: int) -> None:
        self._inner, self._n = inner, n

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name in ("merge_nodes", "merge_rels"):
            def wrapped(*a: Any, **k: Any) -> Any:
                self._n -= 1
                if self._n < 0:
                    raise _Crash()
                return attr(*a, **k)
            return wrapped
        return attr


@pytest.mark.parametrize("crash_after", [1, 5, 9])
def test_interrupted_run_resumes_to_identical_graph(store: Store, tmp_path: Path,
                                                    crash_after: int) -> None:
    files = ["flat_utf8.csv", "records.jsonl", "near_dups.csv"]
    opts = {"batch_rows": 2, "flags": [FX / "flags.csv"]}
    with pytest.raises(_Crash):
        _ingest(_CrashingStore(store, crash_after), tmp_path, *files, **opts)  # type: ignore[arg-type]
    rep = _ingest(store, tmp_path, *files, **opts)
    assert rep.resumed
    resumed = graph_digest(store)
    store.reset()
    _ingest(store, tmp_path / "clean", *files, **opts)
    assert graph_digest(store) == resumed
