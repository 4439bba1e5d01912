"""Fuzzing the readers (hardening items 12-14): random files with planted bad records.

Each example writes a CSV or JSON Lines file from a list of planted records — good ones with
arbitrary Unicode (quotes, delimiters, CR/LF, line and paragraph separators...) and bad ones
of a known kind (ragged, NUL, huge field, stray quote, duplicate key, NaN, deep nesting, lone
surrogate, nested object, syntax error) — plus blank lines, which are not records. The test
keeps its own count of the physical records it planted and checks that

* every planted good record comes back as a Record with exactly its fields, at its line;
* every planted bad record comes back as one Reject at its first line;
* nothing else comes back, and through the pipeline ``read == loaded + rejected == planted``.

Normalizer properties (idempotent, full-width = half-width, total on arbitrary Unicode)
are in tests/test_normalize.py and not repeated here.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from graphinv.errors import InputError
from graphinv.ingest.pipeline import IngestOptions, ingest_paths
from graphinv.ingest.read import MAX_FIELD, Record, Reject, read_file

#: Examples per property (GRAPHINV_FUZZ_EXAMPLES=2000 for a long local run).
FUZZ = settings(max_examples=int(os.environ.get("GRAPHINV_FUZZ_EXAMPLES", "60")), deadline=None,
                derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

COLUMNS = ["shop_id", "shop_name", "platform", "seller_name", "phone", "email"]
_BREAK = re.compile(r"\r\n|\r|\n")

# Any character a scraped page may hold, except surrogates (not encodable) and NUL (a
# planted kind of its own).
any_char = st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")
tricky_char = st.sampled_from(list(',;"\'\r\n\t \u2028\u2029\x85\x1c\x1e\ufeff\u200b\u202e'
                                   "ＳＨＯＰ１深圳é"))
# Cells that need no quoting at all (used when a stray quote must reach the end of file).
plain_char = st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"],
                           blacklist_characters='",\x00\x85')


@dataclass
class Planted:
    kind: str               # "good" or the bad kind
    text: str               # what goes into the file for this record (with its newline)
    fields: dict[str, Any] | None = None
    line: int = 0           # first physical line, filled in by _assemble


def _assemble(header: str, items: Sequence[Planted | str], bom: bool,
              breaks: re.Pattern[str] = _BREAK) -> tuple[str, list[Planted]]:
    """File text and the planted records with their first physical line numbers
    (CSV lines end at CR, LF or CRLF; JSON Lines at LF only)."""
    out = [("\ufeff" if bom else "") + header]
    line = 1 + len(breaks.findall(header))
    planted = []
    for it in items:
        if isinstance(it, str):      # a blank line: not a record
            out.append(it)
            line += len(breaks.findall(it))
            continue
        it.line = line
        out.append(it.text)
        line += len(breaks.findall(it.text))
        planted.append(it)
    return "".join(out), planted


def _csv_row(cells: list[str]) -> str:
    """One RFC 4180 row (a writer with "\r\n" quotes any CR or LF in a field; with "\n"
    Python's would leave a bare CR unquoted), ended by "\n"."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue()[:-2] + "\n"


# -- CSV ------------------------------------------------------------------------------------

@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, list[Planted]]:
    kinds = draw(st.lists(st.sampled_from(["good"] * 6 + ["ragged", "nul", "huge", "stray"]),
                          min_size=1, max_size=25))
    stray = "stray" in kinds
    # With a stray quote in the file, good cells hold no quote (nor anything that needs
    # quoting), so the quote stays open to the end of the file: the worst case.
    alphabet = plain_char if stray else st.one_of(any_char, tricky_char)
    cell = st.text(alphabet=alphabet, max_size=12)
    simple = st.text(alphabet=st.characters(whitelist_categories=("L", "N")), min_size=1,
                     max_size=8)
    width = len(COLUMNS)
    items: list[Planted | str] = []
    for kind in kinds:
        if draw(st.integers(0, 5)) == 0:
            items.append(draw(st.sampled_from(["\n", "  \n", "\t\n", "\r\n"])))
        cells = [draw(simple)] + draw(st.lists(cell, min_size=width - 1, max_size=width - 1))
        if kind == "good":
            items.append(Planted("good", _csv_row(cells), dict(zip(COLUMNS, cells, strict=True))))
        elif kind == "ragged":
            n = draw(st.sampled_from([1, 2, width - 1, width + 1, width + 4]))
            items.append(Planted(kind, ",".join(draw(simple) for _ in range(n)) + "\n"))
        elif kind == "nul":
            i = draw(st.integers(1, width - 1))
            cells[i] = cells[i][: len(cells[i]) // 2] + "\x00" + cells[i][len(cells[i]) // 2:]
            items.append(Planted(kind, _csv_row(cells)))
        elif kind == "huge":
            i = draw(st.integers(1, width - 1))
            cells[i] = "h" * (MAX_FIELD + draw(st.integers(1, 50)))
            items.append(Planted(kind, _csv_row(cells)))
        else:  # stray: a field opens a quote that this line never closes
            i = draw(st.integers(1, width - 1))
            simple_cells = [draw(simple) for _ in range(width)]
            simple_cells[i] = '"' + simple_cells[i]
            items.append(Planted(kind, ",".join(simple_cells) + "\n"))
    return _assemble(",".join(COLUMNS) + "\n", items, bom=draw(st.booleans()))


def _check(got: list[Record | Reject], planted: list[Planted]) -> None:
    assert len(got) == len(planted), [(type(g).__name__, g.line) for g in got]
    for g, p in zip(got, planted, strict=True):
        assert g.line == p.line, (p.kind, g)
        if p.kind == "good":
            assert isinstance(g, Record), (p, g)
            assert g.fields == p.fields
        else:
            assert isinstance(g, Reject), (p, g)


@FUZZ
@given(csv_files())
def test_csv_every_planted_record_read_or_rejected_at_its_line(
        case: tuple[str, list[Planted]]) -> None:
    text, planted = case
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.csv"
        path.write_bytes(text.encode("utf-8"))
        got = list(read_file(path))
        _check(got, planted)
        for g, p in zip(got, planted, strict=True):
            if p.kind == "stray":
                assert isinstance(g, Reject) and "quote" in g.reason
            elif p.kind == "nul":
                assert isinstance(g, Reject) and "NUL" in g.reason
            elif p.kind == "huge":
                assert isinstance(g, Reject) and "128 KB" in g.reason
            elif p.kind == "ragged":
                assert isinstance(g, Reject) and "fields, header has" in g.reason


@settings(FUZZ, max_examples=25)
@given(csv_files())
def test_csv_pipeline_counts_reconcile_with_the_planted_records(
        case: tuple[str, list[Planted]]) -> None:
    """read = loaded + rejected = what was planted; every planted bad line is a reject."""
    text, planted = case
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.csv"
        path.write_bytes(text.encode("utf-8"))
        rep = ingest_paths(None, [path], IngestOptions(data_dir=Path(d) / "data"))
        assert rep.read == len(planted) == rep.loaded + rep.rejected
        rejected = _reject_lines(rep.rejects_path)
        assert {p.line for p in planted if p.kind != "good"} <= rejected
        assert rep.rejected == len(rejected)


def _reject_lines(path: str | None) -> set[int]:
    if not path:
        return set()
    old = csv.field_size_limit(1 << 24)
    try:
        text = Path(path).read_text(encoding="utf-8")
        return {int(r["line"]) for r in csv.DictReader(text.splitlines(keepends=True))}
    finally:
        csv.field_size_limit(old)


# -- JSON Lines and JSON arrays ----------------------------------------------------------------

json_value = st.one_of(st.text(alphabet=st.one_of(any_char, tricky_char), max_size=15),
                       st.integers(-10**6, 10**6), st.booleans(), st.none(),
                       st.lists(st.text(alphabet=any_char, max_size=5), max_size=3))


def _as_field(v: Any) -> Any:
    """What the reader makes of a JSON value (strings, stringified scalars, lists)."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, list):
        return [_as_field(x) for x in v]
    return str(v)


@st.composite
def json_records(draw: st.DrawFn, array: bool) -> tuple[str, list[Planted]]:
    bad = ["dup", "nan", "deep", "surrogate", "nul", "nested", "not_object", "huge"]
    if not array:
        bad.append("syntax")   # in an array a syntax error is a file-level error
    kinds = draw(st.lists(st.sampled_from(["good"] * 5 + bad), min_size=1, max_size=20))
    keys = st.text(alphabet=any_char, min_size=1, max_size=10).filter(lambda k: k != "shop_id")
    items: list[Planted | str] = []
    for kind in kinds:
        if not array and draw(st.integers(0, 5)) == 0:
            items.append(draw(st.sampled_from(["\n", "   \n", "\t\r\n"])))
        rec: dict[str, Any] = {"shop_id": draw(st.text(alphabet=any_char, min_size=1,
                                                        max_size=8))}
        rec.update(draw(st.dictionaries(keys, json_value, max_size=4)))
        # CR and tabs are whitespace between JSON tokens, not line ends.
        seps = draw(st.sampled_from([(", ", ": "), (",", ":"), (",\r ", ":\t")]))
        body = json.dumps(rec, ensure_ascii=draw(st.booleans()), separators=seps)
        if kind == "good":
            items.append(Planted("good", body, {k: _as_field(v) for k, v in rec.items()}))
            continue
        head = body[:-1] + ", "
        text = {
            "dup": head + '"shop_id": "again"}',
            "nan": head + '"rating": ' + draw(st.sampled_from(["NaN", "Infinity", "-Infinity"]))
            + "}",
            "deep": head + '"x": ' + "[" * 3000 + "]" * 3000 + "}",
            "surrogate": head + '"seller_name": "a\\ud83d b"}',
            "nul": head + '"seller_name": "a\\u0000b"}',
            "nested": head + '"owner": {"name": "x"}}',
            "not_object": draw(st.sampled_from(['["a", 1]', "42", '"text"', "null", "true"])),
            "huge": head + '"shop_name": "' + "g" * (MAX_FIELD + 5) + '"}',
            "syntax": body[: max(1, len(body) // 2)],
        }[kind]
        items.append(Planted(kind, text))
    if not array:
        for it in items:
            if isinstance(it, Planted):
                it.text += "\n"
        return _assemble("", items, bom=draw(st.booleans()), breaks=re.compile("\n"))
    # One record per line inside an array.
    records = [it for it in items if isinstance(it, Planted)]
    for i, it in enumerate(records):
        it.text = ("[" if i == 0 else "") + it.text + ("," if i < len(records) - 1 else "]") \
            + "\n"
    return _assemble("", records, bom=draw(st.booleans()), breaks=re.compile("\n"))


@FUZZ
@given(json_records(array=False))
def test_jsonl_every_planted_record_read_or_rejected_at_its_line(
        case: tuple[str, list[Planted]]) -> None:
    text, planted = case
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.jsonl"
        path.write_bytes(text.encode("utf-8"))
        _check(list(read_file(path)), planted)
        rep = ingest_paths(None, [path], IngestOptions(data_dir=Path(d) / "data"))
        assert rep.read == len(planted) == rep.loaded + rep.rejected
        assert {p.line for p in planted if p.kind != "good"} <= _reject_lines(rep.rejects_path)


@FUZZ
@given(json_records(array=True))
def test_json_array_every_planted_record_read_or_rejected(
        case: tuple[str, list[Planted]]) -> None:
    text, planted = case
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.json"
        path.write_bytes(text.encode("utf-8"))
        _check(list(read_file(path)), planted)


def test_json_array_syntax_error_is_a_file_level_error(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('[{"shop_id": "A"},\n{"shop_id": "B",,}\n]', encoding="utf-8")
    with pytest.raises(InputError, match=r"malformed JSON array .*a.json:2"):
        list(read_file(path))
    path.write_text('[{"shop_id": "A"}', encoding="utf-8")
    with pytest.raises(InputError, match="not closed"):
        list(read_file(path))


# -- Encodings: decoded exactly, or refused ----------------------------------------------------

# Words seen in marketplace exports, per legacy encoding. Random letter soup is not a fair
# test: no detector can tell "àààà" (cp1252) from "аааа" (cp1251).
LEGACY = {
    "gb18030": "深圳 广州 义乌 明星 鑫瑞 嘉华 电子 数码 贸易 箱包 饰品 服饰 有限公司 旗舰店 "
               "专营店 工厂店 商行 华强北路 福田区 号 楼",
    "big5": "臺北 新北 高雄 信義區 板橋區 電子 數碼 貿易 有限公司 旗艦店 專賣店 商行 路 號",
    "shift_jis": "東京 大阪 渋谷区 株式会社 有限会社 ショップ トレーディング 電子 商店 時計 "
                 "ファッション 本店",
    "euc_kr": "서울 부산 강남구 주식회사 전자 상점 무역 패션 시계 본점",
    "cp1252": "Müller Weiß Jürgen Société Générale Hélène Lefèvre Château Größer Köhler "
              "Bäcker Söhne Noël Côte Frères Ateliers Créations Maison GmbH SARL Boutique – €",
    "latin-1": "Müller Weiß Jürgen Société Générale Hélène Lefèvre Château Größer Köhler "
               "Bäcker Söhne Noël Côte Frères Ateliers Créations Maison GmbH SARL Boutique",
    "cp1251": "Москва Санкт-Петербург Торговый Дом Ромашка ООО ИП Электроника Магазин "
              "Одежда Часы Склад улица дом",
}


@st.composite
def legacy_files(draw: st.DrawFn) -> tuple[str, list[list[str]], str]:
    enc = draw(st.sampled_from(sorted(LEGACY)))
    vocab = LEGACY[enc].split()

    def name() -> str:
        words = draw(st.lists(st.sampled_from(vocab), min_size=1, max_size=4))
        return " ".join(words) if enc not in ("gb18030", "big5") else "".join(words)
    rows = [[f"S{i}", name(), name()] for i in range(draw(st.integers(1, 12)))]
    return enc, rows, "shop_id,shop_name,seller_name\n" + "".join(",".join(r) + "\n"
                                                                  for r in rows)


@FUZZ
@given(legacy_files())
def test_legacy_encoded_files_decode_exactly_or_are_refused(
        case: tuple[str, list[list[str]], str]) -> None:
    """Item 12: never silently decoded wrong — the text comes back exactly, or the file is
    refused with an error pointing at ``--encoding``."""
    enc, rows, text = case
    data = text.encode(enc)
    try:  # a few legacy bytes can also be valid UTF-8, which always wins (by design)
        data.decode("utf-8")
        assume(False)
    except UnicodeDecodeError:
        pass
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "legacy.csv"
        path.write_bytes(data)
        try:
            got = list(read_file(path))
        except InputError as exc:
            assert "--encoding" in str(exc)
            return
        assert [list(g.fields.values()) for g in got if isinstance(g, Record)] == rows


@FUZZ
@given(text=st.text(alphabet=st.one_of(st.sampled_from(list("ab ,1")),
                                       st.characters(min_codepoint=0xA0, max_codepoint=0x2FFF),
                                       st.characters(min_codepoint=0x4E00,
                                                     max_codepoint=0x9FA5)),
                    min_size=1, max_size=60).filter(lambda t: any(ord(c) > 127 for c in t)),
       bad=st.lists(st.sampled_from([b"\x80", b"\xbf", b"\xc0", b"\xfe", b"\xff", b"\xe9"]),
                    min_size=1, max_size=3),
       where=st.randoms(use_true_random=False))
def test_utf8_with_stray_bytes_is_refused_not_mojibake(text: str, bad: list[bytes],
                                                       where: Any) -> None:
    """Item 12: a UTF-8 export with a few corrupt bytes (dropped between characters) is
    refused; a single-byte code page would 'decode' it into CafÃ©-style mojibake."""
    data = bytearray(("shop_id,shop_name\nS1," + text.replace("\n", " ") + "\n").encode())
    for b in bad:
        # between two characters: never inside a multi-byte sequence
        cuts = [i for i in range(19, len(data)) if data[i] < 0x80 or data[i] >= 0xC0]
        slot = where.choice(cuts)
        data[slot:slot] = b
    try:
        bytes(data).decode("utf-8")
        assume(False)  # the stray bytes happened to form a valid character
    except UnicodeDecodeError:
        pass
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "u.csv"
        path.write_bytes(bytes(data))
        with pytest.raises(InputError) as err:
            list(read_file(path))
        assert "--encoding" in str(err.value)
