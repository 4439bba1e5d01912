"""Hardening items 11-19: messy input. Every physical record is loaded or rejected (file,
line, reason), counts reconcile, nothing is silently decoded wrong, merged or dropped.

Normalizer-level properties (idempotence, full-width = half-width, total on arbitrary
Unicode, invisible characters) live in tests/test_normalize.py; this module checks the
same promises end to end: file → reader → normalizer → graph.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app
from graphinv.errors import InputError
from graphinv.ingest.read import MAX_FIELD, Record, detect_encoding, read_file
from graphinv.store import Store
from graphinv.types import is_safe_url
from tests.graph_digest import graph_digest
from tests.hardening_support import HEADER, generated, ingest_reconciled, rejects_of

FX = Path(__file__).parent / "fixtures" / "ingest"
EXAMPLES_BAD = Path(__file__).resolve().parent.parent / "examples" / "data" / "bad"
_ingest = ingest_reconciled
_rejects = rejects_of


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _props(store: Store, label: str, *props: str) -> dict[str, tuple[Any, ...]]:
    return {r[0]: r[1:] for r in store.stream_nodes(label, list(props))}


def _all_strings(store: Store) -> list[str]:
    from graphinv import schema

    out: list[str] = []
    for label in schema.NODE_KINDS:
        props = [p for p, t in schema.node_props(label) if t in ("STRING", "STRING[]")]
        for row in store.stream_nodes(label, props[1:]):
            for v in row:
                out.extend(v if isinstance(v, list) else [v] if isinstance(v, str) else [])
    return out


# -- 11. UTF-8 with BOM -------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text"), [
    ("bom.csv", "\ufeff" + HEADER + "\r\nB1,Shop,ebay,Seller,US,+1 212 555 0100,,,\r\n"),
    ("bom.tsv", "\ufeff" + HEADER.replace(",", "\t") + "\nB1\tShop\tebay\tSeller\tUS\t"
     "+1 212 555 0100\t\t\t\n"),
    ("bom.jsonl", "\ufeff" + json.dumps({"shop_id": "B1", "platform": "ebay",
                                         "phone": "+1 212 555 0100"}) + "\n"),
    ("bom.json", "\ufeff" + json.dumps([{"shop_id": "B1", "platform": "ebay",
                                          "phone": "+1 212 555 0100"}])),
])
def test_bom_first_header_recognized(embedded_store: Store, tmp_path: Path, name: str,
                                     text: str) -> None:
    """Item 11: with a BOM the first column is still ``shop_id`` (read as utf-8-sig)."""
    path = _write(tmp_path / name, text)
    [rec] = list(read_file(path))
    assert isinstance(rec, Record) and "shop_id" in rec.fields and rec.fields["shop_id"] == "B1"
    assert not any("\ufeff" in k for k in rec.fields)
    rep = _ingest(embedded_store, tmp_path, path)
    assert (rep.read, rep.loaded) == (1, 1) and rep.files[0].encoding == "utf-8-sig"
    assert set(_props(embedded_store, "Shop")) == {"ebay:b1"}
    assert set(_props(embedded_store, "Phone")) == {"+12125550100"}


def test_bom_only_file_is_empty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty file"):
        list(read_file(_write(tmp_path / "bom_only.csv", "\ufeff\r\n")))


# -- 12. Other encodings --------------------------------------------------------------------

CJK_ROW = "G1,深圳明星电子旗舰店,淘宝,深圳市明星电子有限公司,中国,13800138000,,,"
LATIN_ROWS = "".join(f"L{i},{shop},eBay,{seller},{country},,,,\n" for i, (shop, seller, country) in
                     enumerate([("Café Müller Boutique", "Jürgen Weiß e.K.", "Deutschland"),
                                ("Größer Sport Outlet", "Bäcker & Söhne KG", "Deutschland"),
                                ("Château Parfums", "Maison Noël Accessoires", "France"),
                                ("Köhler Lederwaren", "Schröder Uhren OHG", "Österreich")]))


@pytest.mark.parametrize(("encoding", "row", "want"), [
    ("gb18030", CJK_ROW + "\nG2,广州市白云区嘉华皮具专营店,淘宝,广州嘉华皮具有限公司,中国,,,,\n",
     "gb18030"),
    ("gbk", CJK_ROW + "\nG2,广州市白云区嘉华皮具专营店,淘宝,广州嘉华皮具有限公司,中国,,,,\n",
     "gb18030"),
    ("latin-1", LATIN_ROWS, "cp1252"),
    ("cp1252", LATIN_ROWS + "L9,Société Générale de Mode – Paris,eBay,Hélène Lefèvre,France,,,,\n",
     "cp1252"),
    ("utf-16", CJK_ROW + "\n", "utf-16"),
])
def test_legacy_encodings_detected_and_decoded_exactly(embedded_store: Store, tmp_path: Path,
                                                       encoding: str, row: str,
                                                       want: str) -> None:
    """Item 12: GB18030/GBK, Latin-1/cp1252 and UTF-16 files decode to the exact text."""
    text = HEADER + "\n" + row
    path = _write(tmp_path / "legacy.csv", text, encoding)
    assert detect_encoding(path) == want
    rep = _ingest(embedded_store, tmp_path, path)
    assert rep.rejected == 0 and rep.loaded == text.count("\n") - 1
    expected = {line.split(",")[1] for line in text.splitlines()[1:]}
    assert {v[0] for v in _props(embedded_store, "Shop", "name").values()} == expected
    assert not any("\ufffd" in s for s in _all_strings(embedded_store))


def test_forced_encoding_and_wrong_forced_encoding(embedded_store: Store, tmp_path: Path) -> None:
    """Item 12: ``--encoding`` wins over detection; a wrong one is refused, not replaced."""
    path = _write(tmp_path / "short_gb.csv", HEADER + "\nG1,深圳,淘宝,,CN,,,,\n", "gb18030")
    with pytest.raises(InputError, match="ambiguous encoding") as err:
        _ingest(None, tmp_path, path)
    assert "--encoding" in str(err.value) and "gb18030" in str(err.value)
    rep = _ingest(embedded_store, tmp_path, path, encoding="gb18030")
    assert [v[0] for v in _props(embedded_store, "Shop", "name").values()] == ["深圳"]
    with pytest.raises(InputError, match="not valid utf-8") as err:
        _ingest(None, tmp_path, path, encoding="utf-8")
    assert "--encoding" in str(err.value)
    with pytest.raises(InputError, match="unknown encoding"):
        _ingest(None, tmp_path, path, encoding="klingon-8")
    assert rep.files[0].encoding == "gb18030"


@pytest.mark.parametrize(("name", "data", "message"), [
    # UTF-8 with one corrupt byte: cp1252 would "decode" it to CafÃ© without an error.
    ("corrupt_utf8.csv",
     (HEADER + "\nU1,Café Müller,ebay,,,,,,\n").encode() + b"U2,x\x80y,,,,,,,\n",
     "not valid UTF-8"),
    ("short_sjis.csv", (HEADER + "\nJ1,東京都渋谷区,,,,,,,\n").encode("shift_jis"),
     "ambiguous encoding"),
    ("short_gb.csv", (HEADER + "\nG1,深圳,,,,,,,\n").encode("gb18030"), "ambiguous encoding"),
    # Latin-1 "à" or Cyrillic "а"? Too little text to know.
    ("short_latin.csv", (HEADER + "\nL1,à,ààà,,,,,,\n").encode("cp1252"), "ambiguous encoding"),
    ("binary.csv", bytes(range(256)) * 8, "cannot detect the file's encoding"),
    ("utf16_no_bom.csv", (HEADER + "\nW1,深圳\n").encode("utf-16-le"),
     "cannot detect the file's encoding"),
])
def test_undecidable_or_corrupt_encodings_refused(tmp_path: Path, name: str, data: bytes,
                                                  message: str) -> None:
    """Item 12: never silently decoded with replacement characters or mojibake: refused
    with a clear error naming the file and pointing at ``--encoding``; CLI exit 1."""
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as err:
        _ingest(None, tmp_path, path)
    assert str(path) in str(err.value) and "--encoding" in str(err.value)
    res = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest", str(path)])
    assert res.exit_code == 1 and message in res.output and "Traceback" not in res.output


def test_corrupt_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes((HEADER + "\nU1,Café,,,,,,,\nU2,Müller,,,,,,,\n").encode()
                     + b"U3,\xff\xfe,,,,,,,\n")
    with pytest.raises(InputError, match=r"line 4, byte"):
        list(read_file(path))


def test_example_files_in_other_encodings(embedded_store: Store, tmp_path: Path) -> None:
    """Item 12 on the generator's files: GB18030 and Latin-1 shops decode exactly."""
    rep = _ingest(embedded_store, tmp_path, EXAMPLES_BAD / "listings_gb18030.csv",
                  EXAMPLES_BAD / "listings_latin1.csv", EXAMPLES_BAD / "listings_bom.csv")
    assert [f.encoding for f in rep.files] == ["gb18030", "cp1252", "utf-8-sig"]
    names = {v[0] for v in _props(embedded_store, "Shop", "name").values()}
    assert "鑫瑞箱包旗舰店" in names
    sellers = {v[0] for v in _props(embedded_store, "Seller", "name").values()}
    assert {"Jürgen Weiß e.K.", "深圳市鑫瑞贸易有限公司"} <= sellers
    assert not any("\ufffd" in s or "Ã" in s for s in _all_strings(embedded_store))


# -- 13. Broken CSV -------------------------------------------------------------------------

def test_each_broken_csv_row_rejected_with_its_line(embedded_store: Store,
                                                    tmp_path: Path) -> None:
    """Item 13: unterminated quote, ragged rows, NUL, over-long field: one reject each, with
    the physical line; the rows around them (and a multi-line quoted record) load."""
    big = "x" * (MAX_FIELD + 1)
    lines = [
        HEADER,                                                   # 1
        "K1,Good,ebay,Seller A,US,+1 212 555 0101,,,",            # 2
        'K2,"Stray quote,ebay,Seller B,US,,,,',                   # 3 unterminated quote
        "K3,After the stray quote,ebay,Seller C,US,,,,",          # 4
        "K4,Ragged,ebay,Seller D,US,,,,,extra",                   # 5 too many fields
        "K5,Short,ebay",                                          # 6 too few fields
        "K6,Nul\x00here,ebay,Seller E,US,,,,",                    # 7 NUL byte
        f"K7,{big},ebay,Seller F,US,,,,",                         # 8 field over 128 KB
        'K8,"Two\nlines, quoted",ebay,Seller G,US,,,,',           # 9-10 one record
        "",                                                       # 11 blank: not a record
        "K9,Last,ebay,Seller H,US,,,,",                           # 12
        'K10,"never closed,ebay,Seller I,US,,,,',                 # 13 quote open at EOF
    ]
    path = _write(tmp_path / "broken.csv", "\n".join(lines) + "\n")
    rep = _ingest(embedded_store, tmp_path, path)
    assert (rep.read, rep.loaded, rep.rejected) == (10, 4, 6)
    got = [(int(r["line"]), r["reason"]) for r in _rejects(rep)]
    assert [g[0] for g in got] == [3, 5, 6, 7, 8, 13]
    reasons = dict(got)
    assert "quote" in reasons[3] and "quote" in reasons[13]
    assert reasons[5] == "row has 10 fields, header has 9"
    assert reasons[6] == "row has 3 fields, header has 9"
    assert reasons[7] == "NUL byte in row" and "128 KB" in reasons[8]
    assert all(r["file"] == str(path) for r in _rejects(rep))
    assert set(_props(embedded_store, "Shop")) == {f"ebay:k{i}" for i in (1, 3, 8, 9)}
    k8 = _props(embedded_store, "Shop", "name")["ebay:k8"]
    assert k8 == ("Two\nlines, quoted",)


def test_stray_quote_does_not_swallow_the_rest_of_a_big_file(embedded_store: Store,
                                                             tmp_path: Path) -> None:
    """Item 13: Python's csv would silently join every following row into one field."""
    rows = [HEADER, 'Q0,"runaway,ebay,,,,,,']
    rows += [f"Q{i},Shop {i},ebay,,,,,," for i in range(1, 2001)]
    path = _write(tmp_path / "runaway.csv", "\n".join(rows) + "\n")
    rep = _ingest(embedded_store, tmp_path, path, resolve=False)
    assert (rep.read, rep.loaded, rep.rejected) == (2001, 2000, 1)
    assert _rejects(rep)[0]["line"] == "2"


def test_example_unterminated_file(embedded_store: Store, tmp_path: Path) -> None:
    rep = _ingest(embedded_store, tmp_path, EXAMPLES_BAD / "listings_unterminated.csv")
    assert (rep.read, rep.loaded, rep.rejected) == (8, 7, 1)
    assert _rejects(rep)[0]["line"] == "4"


@pytest.mark.parametrize(("text", "error"), [
    ("", "empty file"),
    ("\n\n  \n", "empty file"),
    (",,\nA1,B,C\n", "no header row"),
    ("shop_id,phone,shop_id\nA1,1,2\n", "duplicate column names"),
])
def test_file_level_problems_are_clear_errors(tmp_path: Path, text: str, error: str) -> None:
    """Item 13: empty files and unusable headers stop with a clear error (CLI exit 1)."""
    path = _write(tmp_path / "f.csv", text)
    with pytest.raises(InputError, match=error):
        _ingest(None, tmp_path, path)
    res = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest", str(path)])
    assert res.exit_code == 1 and error in res.output


def test_header_only_file_is_zero_rows_not_an_error(embedded_store: Store,
                                                    tmp_path: Path) -> None:
    rep = _ingest(embedded_store, tmp_path, _write(tmp_path / "h.csv", HEADER + "\r\n"))
    assert (rep.read, rep.loaded, rep.rejected) == (0, 0, 0)


# -- 14. Bad JSON ---------------------------------------------------------------------------

GOOD_JSON = {"shop_id": "J0", "platform": "amazon", "phone": "+1 212 555 0199"}


def _jsonl_cases() -> list[tuple[str, str]]:
    def good(i: int) -> str:
        return json.dumps({**GOOD_JSON, "shop_id": f"J{i}"})
    return [
        (good(1), ""),
        ('{"shop_id": "J2", "shop_id": "J2b"}', "duplicate key 'shop_id'"),
        ('{"shop_id": "J3", "rating": NaN}', "non-finite number NaN"),
        ('{"shop_id": "J4", "rating": -Infinity}', "non-finite number -Infinity"),
        ('{"shop_id": "J5", "x": ' + "[" * 5000 + "]" * 5000 + "}", "nesting too deep"),
        ('{"shop_id": "J6", "seller_name": "\\ud800 lone"}', "lone surrogate"),
        ('{"shop_id": "J7", "seller_name": "nul\\u0000"}', "NUL byte"),
        ('{"shop_id": "J8", "owner": {"name": "x"}}', "nested object"),
        ('["J9", "a list"]', "record is a list"),
        ('{"shop_id": "J10", "platform":', "bad JSON record"),
        (json.dumps({"shop_id": "J11", "shop_name": "y" * (MAX_FIELD + 1)}), "128 KB"),
        ('{"shop_id": "J12",\r "platform": "amazon"}', ""),  # a bare CR is whitespace
        (good(13), ""),
    ]


@pytest.mark.parametrize("layout", ["jsonl", "json"])
def test_bad_json_records_rejected_one_by_one(store: Store, tmp_path: Path, layout: str) -> None:
    """Item 14: duplicate keys, NaN/Infinity, deep nesting, lone surrogates (which decode
    in Python but would fail in the Neo4j driver), NUL, nested objects → that record is
    rejected with its line; the others load, on both stores."""
    cases = _jsonl_cases()
    if layout == "jsonl":
        path = _write(tmp_path / "r.jsonl", "\n".join(c for c, _ in cases) + "\n")
    else:  # one record per line inside an array; the syntax error cannot be skipped there
        cases = [c for c in cases if c[1] != "bad JSON record"]
        path = _write(tmp_path / "r.json", "[\n" + ",\n".join(c for c, _ in cases) + "\n]")
    rep = _ingest(store, tmp_path, path)
    bad = [(i, why) for i, (_, why) in enumerate(cases) if why]
    assert (rep.read, rep.rejected) == (len(cases), len(bad))
    got = [(int(r["line"]), r["reason"], r["raw"]) for r in _rejects(rep)]
    first = 1 if layout == "jsonl" else 2
    assert [g[0] for g in got] == [first + i for i, _ in bad]
    for (_, reason, raw), (_, why) in zip(got, bad, strict=True):
        assert why in reason and raw  # the raw text is kept for the analyst
    assert set(_props(store, "Shop")) == {"amazon:j1", "amazon:j12", "amazon:j13"}


def test_example_tricky_jsonl(embedded_store: Store, tmp_path: Path) -> None:
    rep = _ingest(embedded_store, tmp_path, EXAMPLES_BAD / "listings_tricky.jsonl")
    assert (rep.read, rep.loaded, rep.rejected) == (7, 2, 5)


# -- 15. Full width, ideographic space, NFKC only in keys -----------------------------------

def test_full_width_forms_share_one_key_and_keep_their_raw(store: Store, tmp_path: Path) -> None:
    """Item 15: full-width letters/digits and U+3000 match the half-width form; the raw
    spelling is kept for display and evidence; ① and ㈱ are folded in keys only."""
    rows = [
        "ＳＨＯＰ－１,Ｂｒｉｇｈｔ\u3000Ｓｔａｒ,ebay,Ｂｒｉｇｈｔ\u3000Ｓｔａｒ Trading,CN,"
        "＋８６ １３８ ００１３ ８０００,ＳＡＬＥＳ＠ＢＲＩＧＨＴ．ＣＯＭ,,深圳①号电子㈱",
        "shop-1,Bright Star,ebay,Bright Star Trading,CN,+86 138 0013 8000,sales@bright.com,,"
        "深圳1号电子(株)",
    ]
    path = _write(tmp_path / "fw.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    _ingest(store, tmp_path, path)
    shops = _props(store, "Shop", "shop_id", "name", "raws")
    assert list(shops) == ["ebay:shop-1"]
    shop_id, name, raws = shops["ebay:shop-1"]
    assert shop_id == "ＳＨＯＰ－１" and name == "Ｂｒｉｇｈｔ\u3000Ｓｔａｒ"  # first row wins
    assert sorted(raws) == ["shop-1", "ＳＨＯＰ－１"]
    assert list(_props(store, "Phone")) == ["+8613800138000"]
    assert list(_props(store, "Email")) == ["sales@bright.com"]
    assert len(_props(store, "Seller")) == 1
    [(key, (sup_name, sup_raws))] = _props(store, "Supplier", "name", "raws").items()
    assert "①" not in key and "㈱" not in key and "1" in key
    assert sup_name == "深圳①号电子㈱" and "深圳①号电子㈱" in sup_raws
    evidence = [json.loads(e)["raw"] for r in store.stream_rels("USES_PHONE", ["ev"])
                for e in r[4]]
    assert sorted(evidence) == ["+86 138 0013 8000", "＋８６ １３８ ００１３ ８０００"]


# -- 16. Invisible and lookalike characters ---------------------------------------------------

def test_invisible_and_lookalike_names_flagged_never_silently_merged(
        store: Store, tmp_path: Path) -> None:
    """Item 16: a zero-width space or a bidi override is flagged on the node (merged with
    the plain spelling only visibly: both raws kept, issue set); a Cyrillic lookalike is
    flagged and stays a different seller."""
    rows = [
        "Z1,Plain,ebay,Bright Star Trading,CN,,,,",
        "Z2,Zero width,ebay,Bright\u200b Star Trading,CN,,,,",
        "Z3,Lookalike,ebay,\u0412right Star Trading,CN,,,,",   # Cyrillic В
        "Z4,Bidi,ebay,Shenzhen \u202edtL oC gnidarT,CN,,,,",
    ]
    path = _write(tmp_path / "zw.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    _ingest(store, tmp_path, path)
    sellers = _props(store, "Seller", "raws", "issues")
    plain = sellers["CN:bright star trading"]
    assert sorted(plain[0]) == ["Bright Star Trading", "Bright\u200b Star Trading"]
    assert "zero_width" in plain[1]
    look = [v for k, v in sellers.items() if k.startswith("CN:\u0432")]
    assert len(look) == 1 and "mixed_script" in look[0][1]
    bidi = [v for v in sellers.values() if any("\u202e" in r for r in v[0])]
    assert len(bidi) == 1 and "bidi_override" in bidi[0][1]
    assert len(sellers) == 3
    shops = _props(store, "Shop", "issues")
    assert "zero_width" in shops["ebay:z2"][0] or "zero_width" in plain[1]


# -- 17. Phones -------------------------------------------------------------------------------

def test_phone_spellings_one_e164_key_invalid_flagged_not_dropped(store: Store,
                                                                  tmp_path: Path) -> None:
    """Item 17: +86…, 0086…, (86)…, a local number with a country column, full-width
    digits → one E.164 node; an invalid number is a flagged node, still linked."""
    phones = ["+86 138 0013 8000", "0086 138 0013 8000", "(86) 138 0013 8000",
              "138-0013-8000", "＋８６ １３８ ００１３ ８０００"]
    rows = [f"P{i},Shop {i},ebay,,{'CN' if i == 3 else ''},{p},,," for i, p in enumerate(phones)]
    rows.append("P9,Bad phone,ebay,,CN,+86 123 4567,,,")
    path = _write(tmp_path / "ph.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    rep = _ingest(store, tmp_path, path)
    assert rep.rejected == 0
    nodes = _props(store, "Phone", "valid", "issues", "raws")
    assert set(nodes) == {"+8613800138000", "invalid:861234567"}
    assert sorted(nodes["+8613800138000"][2]) == sorted(phones)
    valid, issues, _ = nodes["invalid:861234567"]
    assert valid is False and "invalid_phone" in issues
    linked = {(r[1], r[3]) for r in store.stream_rels("USES_PHONE")}
    assert ("ebay:p9", "invalid:861234567") in linked
    assert {s for s, p in linked if p == "+8613800138000"} == {f"ebay:p{i}" for i in range(5)}


# -- 18. E-mails and URLs -------------------------------------------------------------------

def test_emails_and_urls_normalized_non_http_never_a_link(store: Store, tmp_path: Path) -> None:
    """Item 18: e-mail case/space and IDN domains normalized; shop URLs kept only when
    http(s) — ``javascript:``, ``data:``, ``vbscript:``, ``file:`` are dropped and flagged."""
    urls = {"U1": "HTTPS://Bright.AliExpress.com/store/1", "U2": "javascript:alert(1)",
            "U3": " JaVaScRiPt:alert(document.domain)", "U4": "data:text/html,<script>",
            "U5": "vbscript:msgbox", "U6": "file:///etc/passwd", "U7": "java\tscript:x"}
    emails = {"U1": " Sales@Bright.COM ", "U2": "info@bücher.de", "U3": "INFO@BÜCHER.DE"}
    rows = [f'{k},Shop {k},ebay,,,,{emails.get(k, "")},"{v}",' for k, v in urls.items()]
    path = _write(tmp_path / "u.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    _ingest(store, tmp_path, path)
    assert set(_props(store, "Email")) == {"sales@bright.com", "info@xn--bcher-kva.de"}
    shops = _props(store, "Shop", "url", "issues")
    assert shops["ebay:u1"][0] == urls["U1"] and is_safe_url(shops["ebay:u1"][0])
    for k in ("U2", "U3", "U4", "U5", "U6", "U7"):
        url, issues = shops[f"ebay:{k.lower()}"]
        assert url is None and "non_http_url" in issues, k
    assert all(is_safe_url(v[0]) for v in shops.values() if v[0] is not None)


# -- 19. Duplicate ids with conflicting fields ----------------------------------------------

def test_duplicate_ids_deterministic_winner_conflict_reported_and_kept(
        store: Store, tmp_path: Path) -> None:
    """Item 19: the first row wins whatever the batch size; the clash goes to the conflicts
    file (neutralized) and both sellers stay linked with their own evidence."""
    rows = ["D1,First Name,ebay,Alpha Trading,CN,,,,",
            "D2,Other,ebay,Gamma Ltd,CN,,,,",
            "D1,=HYPERLINK(\"http://x\"),ebay,Beta Trading,CN,,,,",
            "D1,Third Name,ebay,Alpha Trading,CN,,,,"]
    path = _write(tmp_path / "dup.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    digests = []
    for batch in (1, 2, 1000):
        store.reset()
        rep = _ingest(store, tmp_path / f"b{batch}", path, batch_rows=batch)
        shop = _props(store, "Shop", "name")["ebay:d1"]
        assert shop == ("First Name",)
        digests.append(graph_digest(store)["sha256"])
    assert len(set(digests)) == 1
    assert rep.conflicts == 3
    text = Path(rep.conflicts_path or "").read_text(encoding="utf-8")
    conflicts = list(csv.DictReader(text.splitlines(keepends=True)))
    assert [(c["line"], c["field"], c["kept"], c["kept_from_line"]) for c in conflicts] == [
        ("4", "shop_name", "First Name", "2"), ("4", "seller_name", "Alpha Trading", "2"),
        ("5", "shop_name", "First Name", "2")]
    assert conflicts[0]["conflicting"] == "'=HYPERLINK(\"http://x\")"  # neutralized
    ops = {r[1]: r[4] for r in store.stream_rels("OPERATES", ["ev_count"]) if r[3] == "ebay:d1"}
    assert ops == {"CN:alpha trading": 2, "CN:beta trading": 1}


# -- All planted bad rows of the example generator --------------------------------------------

def test_generator_planted_bad_rows_handled_as_documented(embedded_store: Store,
                                                          tmp_path: Path) -> None:
    """Items 1, 13, 16-19 together: every planted row of examples/generate.py gets the
    handling its manifest (bad_rows.csv) promises, and read = loaded + rejected."""
    ds = generated(tmp_path / "gen", rows=150, seed=99)
    rep = _ingest(embedded_store, tmp_path, ds.listings)
    manifest = list(csv.DictReader(ds.manifest.read_text(encoding="utf-8").splitlines()))
    physical = len(ds.listings.read_text(encoding="utf-8").splitlines()) - 1
    assert rep.read == physical == ds.rows + len(manifest)
    rejected = {int(r["line"]): r["reason"] for r in _rejects(rep)}
    conflicts = Path(rep.conflicts_path or "").read_text(encoding="utf-8")
    shops = _props(embedded_store, "Shop", "shop_id", "name", "url", "issues")
    by_id = {v[0]: v for v in shops.values()}
    sellers = {v[0] for v in _props(embedded_store, "Seller", "name").values()}
    for m in manifest:
        kind, line, sid = m["kind"], int(m["line"]), m["shop_id"]
        if m["expected"] == "reject":
            assert line in rejected, kind
            continue
        assert line not in rejected, (kind, rejected.get(line))
        if kind == "cypher_injection":
            assert "x'}) DETACH DELETE n //" in sellers
        elif kind in ("xss_shop_name", "script_breakout"):
            assert by_id[sid][1] in ("<img src=x onerror=alert(1)>",
                                     "</script><script>alert(1)</script>")
        elif kind == "javascript_url":
            assert by_id[sid][2] is None and "non_http_url" in by_id[sid][3]
        elif kind == "csv_formula":
            assert any(s.startswith("=HYPERLINK(") for s in sellers)
        elif kind == "duplicate_shop_id":
            assert f",{line}," in conflicts
        elif kind == "invalid_phone":
            assert any(k.startswith("invalid:") for k in _props(embedded_store, "Phone"))
        elif kind in ("zero_width", "bidi_override"):
            flagged = [v for v in _props(embedded_store, "Seller", "issues").values()
                       if kind in v[0]]
            assert flagged, kind
    assert rep.rejected == sum(m["expected"] == "reject" for m in manifest)
