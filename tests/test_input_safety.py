"""Issue #16 input items (3, 4, 9-13) and their regressions: bad input is a clear error
or a rejected row, never a traceback, a phantom node or a false link.

Output-directory safety (#16.15, #20.1-2) lives in tests/test_output_dirs.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app
from graphinv.errors import InputError, MappingError
from graphinv.ingest.mapping import load_mapping
from graphinv.store import Store
from graphinv.types import KEY_MAX, normalize_phone, normalize_text
from tests.hardening_support import HEADER, ingest_reconciled, rejects_of

_ingest = ingest_reconciled
_rejects = rejects_of


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
    a = "".join(str(i * 7 % 10) for i in range(1500))
    b = a[:-1] + ("2" if a[-1] != "2" else "3")
    rows = [f"L1,Shop 1,ebay,,,{a},,,", f"L2,Shop 2,ebay,,,{b},,,"]
    path = _write(tmp_path / "long.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    rep = _ingest(store, tmp_path, path)
    assert rep.loaded == 2
    assert sum(n for k, n in rep.issues.items() if k.endswith("too_long")) == 2
    linked = {(r[1], r[3]) for r in store.stream_rels("USES_PHONE")}
    assert len(linked) == 2 and len({p for _, p in linked}) == 2


# -- #16.3 a JSON record without a recognised key --------------------------------------------

@pytest.mark.parametrize("layout", ["jsonl", "json"])
def test_json_record_without_known_key_is_one_reject(store: Store, tmp_path: Path,
                                                      layout: str) -> None:
    """``{}`` or ``{"note": …}`` as the last of many records failed the whole file (0 rows
    loaded, on every rerun); now each is a rejected row and the rest loads."""
    good = [json.dumps({"shop_id": f"J{i}", "platform": "ebay"}) for i in range(30)]
    recs = good + ["{}", json.dumps({"note": "see attached"})]
    text = "\n".join(recs) + "\n" if layout == "jsonl" else "[\n" + ",\n".join(recs) + "\n]\n"
    path = _write(tmp_path / f"r.{layout}", text)
    rep = _ingest(store, tmp_path, path)
    assert (rep.read, rep.loaded, rep.rejected) == (32, 30, 2)
    first = 1 if layout == "jsonl" else 2
    got = [(int(r["line"]), r["reason"]) for r in _rejects(rep)]
    assert [g[0] for g in got] == [first + 30, first + 31]
    assert all(g[1].startswith("no recognized field") for g in got)
    assert "note" in got[1][1]
    assert len(list(store.stream_nodes("Shop", []))) == 30


def test_csv_without_known_column_is_still_a_file_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", "note,comment\na,b\n")
    with pytest.raises(InputError, match="no recognizable columns"):
        _ingest(None, tmp_path, path)


# -- #16.4 lone surrogates in JSON keys -------------------------------------------------------

def test_lone_surrogate_in_a_json_key_rejects_that_record(store: Store, tmp_path: Path) -> None:
    """A key ``"phone\\ud800"`` crashed ingest with UnicodeEncodeError (mapped or rejected
    record) or crashed ``--format json`` (unmapped key): now that record is rejected."""
    lines = ['{"shop_id": "K1", "platform": "ebay"}',
             '{"shop_id": "K2", "platform": "ebay", "phone\\ud800": "+1 212 555 0100"}',
             '{"shop_id": "K3", "platform": "ebay", "note\\udfff": "x"}',
             '{"\\ud83d": "x"}']
    path = _write(tmp_path / "k.jsonl", "\n".join(lines) + "\n")
    rep = _ingest(store, tmp_path, path)
    assert (rep.read, rep.loaded, rep.rejected) == (4, 1, 3)
    got = _rejects(rep)
    assert [int(r["line"]) for r in got] == [2, 3, 4]
    assert all("lone surrogate" in r["reason"] and "key" in r["reason"] for r in got)
    assert "phone\\ud800" in got[0]["raw"]  # the raw text, escaped, for the analyst


def test_lone_surrogate_key_through_the_cli_json_output(runner: CliRunner, tmp_path: Path,
                                                         store_args: list[str]) -> None:
    path = _write(tmp_path / "k.jsonl", '{"shop_id": "K1", "platform": "ebay"}\n'
                  '{"shop_id": "K2", "platform": "ebay", "note\\ud800": "x"}\n')
    res = runner.invoke(app, [*store_args, "ingest", str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (data["read"], data["loaded"], data["rejected"]) == (2, 1, 1)


# -- #16.9 mapping files, huge CSV header cells, view --input --------------------------------

def _cli_error(runner: CliRunner, args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 1, (res.exit_code, res.output)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("Error:")]
    assert lines and lines[0].count(" — ") >= 2, res.stderr  # what — value — fix
    return res.stderr


def test_yaml_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    """Nested aliases hung the mapping loader (killed at 60 s, 2 GB)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghijklmnop"):
        prev = "abcdefghijklmnop"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines.append("fields:\n  shop_id: *p")
    path = _write(tmp_path / "m.yaml", "\n".join(lines) + "\n")
    with pytest.raises(MappingError, match="aliases are not allowed"):
        load_mapping(path)


@pytest.mark.parametrize(("name", "text", "what"), [
    ("hex.toml", "[fields]\nshop_id = 0x" + "f" * 5000 + "\n", "bad field spec"),
    ("date.toml", '[source]\nname = 1979-05-27T07:32:00Z\n[fields]\nshop_id = "id"\n',
     "source name must be a non-empty string"),
    ("int.toml", '[source]\nname = 7\n[fields]\nshop_id = "id"\n',
     "source name must be a non-empty string"),
    ("bigint.yaml", "fields:\n  shop_id: " + "1" * 5000 + "\n", "does not parse"),
    ("list.yaml", "- a\n- b\n", "mapping must be a table"),
])
def test_bad_mapping_values_are_clean_errors(runner: CliRunner, tmp_path: Path, name: str,
                                             text: str, what: str) -> None:
    """A 5,000-digit integer or a datetime source name gave a raw traceback; a non-string
    source name was accepted and failed later."""
    mapping = _write(tmp_path / name, text)
    data = _write(tmp_path / "d.csv", "id\nS1\n")
    err = _cli_error(runner, ["--data-dir", str(tmp_path / "data"), "ingest", str(data),
                              "--mapping", str(mapping)])
    assert what in err


def test_csv_header_cell_over_128_kb_is_a_clean_error(runner: CliRunner, tmp_path: Path) -> None:
    data = _write(tmp_path / "h.csv", "shop_id," + "x" * (130 * 1024) + "\nS1,a\n")
    err = _cli_error(runner, ["--data-dir", str(tmp_path / "data"), "ingest", str(data)])
    assert "header cell over 128 KB" in err


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"reports": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "[1, 2]",
    '"text"',
    '{"reports": [1]}',
    '{"graphs": {"G-1": 5}}',
    '{"graphs": {"G-1": {"nodes": [1], "edges": []}}}',
    '{"overview_edges": [1]}',
])
def test_view_input_of_the_wrong_shape_is_a_clean_error(runner: CliRunner, tmp_path: Path,
                                                        text: str) -> None:
    """Deep nesting gave RecursionError, non-object parts AttributeError/TypeError."""
    path = _write(tmp_path / "in.json", text)
    _cli_error(runner, ["view", "--input", str(path), "--out", str(tmp_path / "v")])
    assert not (tmp_path / "v").exists()


# -- #16.10 flags that match nothing ---------------------------------------------------------

def test_flags_naming_unknown_nodes_are_rejected_not_created(store: Store,
                                                             tmp_path: Path) -> None:
    """A flag for an unknown shop, for a known shop id on the wrong platform, or for an
    unknown identifier made a flagged phantom node; now each is an unmatched flag (counted,
    in the rejects file with its line) and the store gains no node."""
    recs = _write(tmp_path / "shops.csv", HEADER + "\nS1,Shop one,ebay,,,+1 212 555 0100,,,\n")
    flags = _write(tmp_path / "flags.csv",
                   "shop_id,platform,kind,value,flag,reason,date\n"
                   "S1,ebay,,,takedown,fake,2025-01-02\n"
                   "S1,amazon,,,takedown,wrong platform,2025-01-02\n"
                   "S9,ebay,,,complaint,unknown shop,2025-01-02\n"
                   ",,phone,+1 212 555 0199,suspicious,unknown phone,2025-01-02\n"
                   ",,phone,+1 212 555 0100,suspicious,known phone,2025-01-02\n")
    rep = _ingest(store, tmp_path, recs, flags=[flags])
    assert (rep.flags_loaded, rep.flags_unmatched) == (2, 3)
    assert (rep.read, rep.loaded, rep.rejected) == (6, 3, 3)
    got = [(int(r["line"]), r["reason"]) for r in _rejects(rep)]
    assert [g[0] for g in got] == [3, 4, 5]
    assert all(g[1].startswith("flag matches no ") for g in got)
    assert "amazon:s1" in got[0][1] and "ebay:s9" in got[1][1]
    shops = {r[0]: r[1:] for r in store.stream_nodes("Shop", ["name", "flagged"])}
    assert shops == {"ebay:s1": ("Shop one", True)}
    phones = {r[0]: r[1] for r in store.stream_nodes("Phone", ["flagged"])}
    assert phones == {"+12125550100": True}


def test_flags_alone_on_an_empty_store_create_nothing(store: Store, tmp_path: Path) -> None:
    flags = _write(tmp_path / "flags.csv", "shop_id,platform,flag\nS1,ebay,takedown\n")
    rep = _ingest(store, tmp_path, flags=[flags])
    assert (rep.flags_loaded, rep.flags_unmatched, rep.rejected) == (0, 1, 1)
    assert list(store.stream_nodes("Shop", [])) == []


# -- #16.11 provenance independent of the working directory ----------------------------------

def _evidence_sources(store: Store) -> set[str]:
    return {json.loads(e)["source"] for r in store.stream_rels("USES_PHONE", ["ev"])
            for e in r[4]}


def test_default_source_is_the_file_name_wherever_it_runs(store: Store, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """``ingest file.csv`` recorded source "" and ``ingest dir/file.csv`` "dir"."""
    d = tmp_path / "dir"
    d.mkdir()
    _write(d / "a.csv", HEADER + "\nA1,Shop,ebay,,,+1 212 555 0100,,,\n")
    _write(d / "b.csv", HEADER + "\nB1,Shop,ebay,,,+1 212 555 0100,,,\n")
    monkeypatch.chdir(d)
    rep = _ingest(store, tmp_path, Path("a.csv"))
    assert rep.source == "a.csv"
    monkeypatch.chdir(tmp_path)
    rep = _ingest(store, tmp_path, Path("dir") / "b.csv")
    assert rep.source == "b.csv"
    assert _evidence_sources(store) == {"a.csv", "b.csv"}
    _write(d / "c.csv", HEADER + "\nC1,Shop,ebay,,,+1 212 555 0100,,,\n")
    rep = _ingest(store, tmp_path, d / "c.csv", source="partner")
    assert rep.source == "partner" and _evidence_sources(store) == {"a.csv", "b.csv", "partner"}


# -- #16.13 devices, FIFOs, broken and looping links -----------------------------------------

def _specials(d: Path) -> dict[str, str]:
    """Make every kind of non-file in ``d``; returns name -> what graphinv must call it."""
    import os

    os.mkfifo(d / "pipe.csv")
    (d / "zero.csv").symlink_to("/dev/zero")
    (d / "gone.csv").symlink_to(d / "no-such-file.csv")
    (d / "loop.csv").symlink_to(d / "loop.csv")
    return {"pipe.csv": "named pipe (FIFO)",
            "zero.csv": "character device (through a symbolic link)",
            "gone.csv": "broken symbolic link", "loop.csv": "symbolic link loop"}


def test_named_special_paths_say_what_they_are(runner: CliRunner, tmp_path: Path) -> None:
    """They all got "input path does not exist" (or hung reading /dev/zero)."""
    expected = _specials(tmp_path)
    expected["/dev/null"] = "character device"
    for name, what in expected.items():
        path = tmp_path / name if not name.startswith("/") else Path(name)
        err = _cli_error(runner, ["--data-dir", str(tmp_path / "data"), "ingest", str(path)])
        assert f"input path is a {what}" in err, (name, err)
        assert "does not exist" not in err


def test_special_entries_in_a_directory_are_counted_not_silently_skipped(
        runner: CliRunner, tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    _write(d / "sub" / "ok.csv", HEADER + "\nS1,Shop,ebay,,,+1 212 555 0100,,,\n")
    _write(d / "notes.md", "x")
    _write(d / ".hidden.csv", "x")
    (d / "up").symlink_to(d, target_is_directory=True)  # a loop if followed
    expected = _specials(d)
    rep = _ingest(None, tmp_path, d)
    assert (rep.read, rep.loaded) == (1, 1)
    got = {Path(s["path"]).name: s["what"] for s in rep.skipped}
    assert set(got) == {*expected, "notes.md", ".hidden.csv", "up"}
    for name, what in expected.items():
        assert got[name].startswith(what), (name, got[name])
    assert got["up"] == "symbolic link to a directory (not followed)"
    res = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), "ingest", str(d)])
    assert res.exit_code == 0, res.output
    assert "Skipped 7 entries" in res.stdout and "named pipe (FIFO) ×1" in res.stdout


def test_graphinv_own_directories_and_undecodable_names_are_skipped(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``graphinv ingest .`` read back its own data directory (rejects CSV, checkpoint
    JSON: "no recognizable columns" failed the run) and a view's member exports (their
    shop_id/platform columns loaded as records); a file name with undecodable bytes failed
    the whole run with an obscure store error."""
    import os

    work = tmp_path / "work"
    work.mkdir()
    _write(work / "a.csv", HEADER + "\nS1,Shop,ebay,,,+1 212 555 0100,,,\n,,,,,,,,\n")
    monkeypatch.chdir(work)
    data = ["--data-dir", "graphinv-data"]
    res = runner.invoke(app, [*data, "ingest", "a.csv"])
    assert res.exit_code == 0 and (work / "graphinv-data" / "rejects").is_dir(), res.output
    view = work / "graphinv-view"
    view.mkdir()
    (view / ".graphinv-output").write_text('{"kind": "view", "files": []}', encoding="utf-8")
    _write(view / "cluster-G-1-members.csv", "shop_id,platform\nX9,ebay\n")
    with open(os.fsencode(work / "bad") + b"\xff.csv", "w", encoding="utf-8") as fh:
        fh.write(HEADER + "\nS2,Shop,ebay,,,,,,\n")
    res = runner.invoke(app, [*data, "ingest", ".", "--format", "json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert [f["path"] for f in rep["files"]] == ["a.csv"]
    whats = {Path(s["path"]).name: s["what"] for s in rep["skipped"]}
    assert whats["graphinv-data"] == whats["graphinv-view"] == \
        "graphinv's own output or data directory"
    assert whats["bad\\udcff.csv"].startswith("file name that is not valid UTF-8")
    named = runner.invoke(app, [*data, "ingest", os.fsdecode(os.fsencode(work / "bad") +
                                                             b"\xff.csv")])
    assert named.exit_code == 1 and "file name is not valid UTF-8" in named.stderr


# -- the hardening map lists every issue item with existing tests ----------------------------

def test_issue_items_in_the_hardening_map_name_existing_tests() -> None:
    """Every ``| #NN.M |`` row of docs/hardening-map.md names at least one test that exists
    (each helper's rows), and this module's items are all there."""
    import ast
    import re

    root = Path(__file__).resolve().parent.parent
    text = (root / "docs" / "hardening-map.md").read_text(encoding="utf-8")
    rows = {m.group(1): re.findall(r"`(tests/[\w/]+\.py::[\w\[\]\-.]+)`", line)
            for line in text.splitlines() if (m := re.match(r"\|\s*(#\d+\.\d+)\s*\|", line))}
    mine = {"#16.3", "#16.4", "#16.9", "#16.10", "#16.11", "#16.12", "#16.13", "#16.15",
            "#20.1", "#20.2"}
    assert mine <= set(rows), sorted(mine - set(rows))
    for item, nodes in rows.items():
        assert nodes, f"{item} has no test"
        for node in nodes:
            file, name = node.split("::")
            tree = ast.parse((root / file).read_text(encoding="utf-8"))
            names = {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
            assert name.split("[")[0] in names, (item, node)
