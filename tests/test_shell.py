"""The shell experience (issue #20): what a user types at the prompt works, fails
clearly, or says what it ignored — never a silent empty answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app

FX = Path(__file__).parent / "fixtures" / "ingest"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "data"


# -- item 4: a data directory without a store is an error, not an empty store ----

@pytest.mark.parametrize("command", [
    ["status"],
    ["clusters"],
    ["clusters", "history"],
    ["clusters", "hubs"],
    ["view", "--out", "VIEW"],
    ["query", "run", "top-clusters"],
    ["explain", "--cluster", "G-0001"],
    ["evaluate", "--truth", str(EXAMPLES / "truth.csv")],
    ["reset", "--yes"],
], ids=lambda c: " ".join(c[:2]))
def test_read_commands_refuse_a_data_dir_without_a_store(
        runner: CliRunner, tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "graphinv-dta"
    command = [str(tmp_path / "view") if c == "VIEW" else c for c in command]
    res = runner.invoke(app, ["--data-dir", str(typo), *command])
    assert res.exit_code == 1, res.output
    assert "Error: no graphinv store in this data directory" in res.output
    assert str(typo) in res.output.replace("\n", "")
    assert not typo.exists()  # nothing created on the way


def test_ingest_creates_the_store_that_read_commands_then_use(runner: CliRunner,
                                                              tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path / "d")]
    res = runner.invoke(app, [*d, "ingest", "--dry-run", str(FX / "flat_utf8.csv")])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, [*d, "status"]).exit_code == 1  # a dry run creates nothing
    assert runner.invoke(app, [*d, "ingest", str(FX / "flat_utf8.csv")]).exit_code == 0
    res = runner.invoke(app, [*d, "status"])
    assert res.exit_code == 0, res.output


# -- item 3: a takedown list given as records is refused; --flags works alone -------

@pytest.mark.parametrize("as_folder", [False, True], ids=["file", "folder"])
def test_flags_file_given_as_records_is_refused_before_writing(
        runner: CliRunner, tmp_path: Path, as_folder: bool) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "listings.csv").write_bytes((FX / "flat_utf8.csv").read_bytes())
    (folder / "takedowns.csv").write_bytes((FX / "flags.csv").read_bytes())
    d = ["--data-dir", str(tmp_path / "d")]
    target = folder if as_folder else folder / "takedowns.csv"
    res = runner.invoke(app, [*d, "ingest", str(target)])
    assert res.exit_code == 2, res.output
    assert "Error: this is a flags file" in res.output
    assert str(folder / "takedowns.csv") in res.output.replace("\n", "")
    assert "--flags" in res.output
    assert runner.invoke(app, [*d, "status"]).exit_code == 1  # no store was created


def test_flags_alone_load_onto_existing_shops(runner: CliRunner, store_args: list[str],
                                             tmp_path: Path) -> None:
    import json

    res = runner.invoke(app, [*store_args, "ingest", str(FX / "flat_utf8.csv")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*store_args, "ingest", "--flags", str(FX / "flags.csv"),
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert [f["role"] for f in rep["files"]] == ["flags"]
    assert rep["read"] == rep["loaded"] + rep["rejected"] and rep["flags_loaded"] >= 1
    res = runner.invoke(app, [*store_args, "ingest"])
    assert res.exit_code == 2 and "nothing to ingest" in res.output


# -- item 5: ignored columns are listed, identifier-like ones get a warning ----------

def test_ingest_lists_ignored_columns_and_warns_about_identifier_like_ones(
        runner: CliRunner, tmp_path: Path) -> None:
    import json

    d = ["--data-dir", str(tmp_path / "d")]
    src = str(FX / "ignored_columns.csv")
    res = runner.invoke(app, [*d, "ingest", "--dry-run", src])
    assert res.exit_code == 0, res.output
    assert f"Ignored columns of {src} (not loaded): Contact, Homepage, Notes" in res.output
    assert (f"Warning: column 'Contact' in {src} looks like phone numbers but was not loaded "
            "— map it with the line `phone = \"Contact\"`") in res.output
    assert "`shop_url = \"Homepage\"`" in res.output
    assert "'Notes'" not in res.output  # free text: listed, no guess
    res = runner.invoke(app, [*d, "ingest", src, "--format", "json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    (f,) = rep["files"]
    assert f["unmapped"] == ["Contact", "Homepage", "Notes"]
    assert f["unmapped_hints"] == {"Contact": "phone", "Homepage": "shop_url"}
    # the common headers of the issue are built-in names now, both phone columns load
    assert rep["nodes_new"]["Phone"] == 4
    assert rep["nodes_new"]["Seller"] == 3
    assert rep["nodes_new"]["Email"] == 2
    assert rep["nodes_new"]["PaymentAccount"] == 3


# -- item 10: saved-query parameters take what users type ---------------------------

def test_query_parameters_resolve_like_ingest_and_refuse_unknown_values(
        runner: CliRunner, store_args: list[str]) -> None:
    import json

    res = runner.invoke(app, [*store_args, "ingest", str(FX / "flat_utf8.csv"),
                              "--flags", str(FX / "flags.csv")])
    assert res.exit_code == 0, res.output
    run = [*store_args, "query", "run", "--format", "json"]
    for typed in ("A1", "aliexpress:A1", "AliExpress:a1", "aliexpress:a1"):
        res = runner.invoke(app, [*run, "shop-neighbourhood", "-p", f"shop={typed}",
                                  "-p", "hops=1"])
        assert res.exit_code == 0, res.output
        rows = json.loads(res.stdout)
        assert "+8613800138000" in {r["key"] for r in rows}  # A1's phone, one hop away
    res = runner.invoke(app, [*run, "shop-neighbourhood", "-p", "shop=A1", "-p", "hops=1"])
    assert "Parameter shop: 'A1' is aliexpress:a1" in res.output
    for typed in ("+86 138 0013 8000", "Phone: 0086 13800138000", "+8613800138000"):
        res = runner.invoke(app, [*run, "identifier-users", "-p", f"key={typed}"])
        assert res.exit_code == 0, res.output
        assert {r["user"] for r in json.loads(res.stdout)} >= {"aliexpress:a1", "ebay:a2"}
    res = runner.invoke(app, [*run, "leads", "-p", "shop=58231907"])
    assert res.exit_code == 1
    assert "Error: parameter 'shop' matches no shop in the store — '58231907'" in res.output
    res = runner.invoke(app, [*run, "identifier-users", "-p", "key=nobody@nowhere.invalid"])
    assert res.exit_code == 1 and "matches no identifier" in res.output
    res = runner.invoke(app, [*run, "cluster-members", "-p", "cluster=g-0999"])
    assert res.exit_code == 1 and "names no cluster" in res.output


# -- item 8: a readable clusters table at 80 and 120 columns, details on demand ------

def _clustered(runner: CliRunner, d: list[str], *args: str) -> str:
    """Four gangs, clustered; then two shops joining them in pairs, clustered again."""
    for f in ("gangs_before.csv", "gangs_after.csv"):
        res = runner.invoke(app, [*d, "ingest", str(FX / f)])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, [*d, "clusters", *args])
        assert res.exit_code == 0, res.output
    return res.stdout


@pytest.mark.parametrize("width", [80, 120])
def test_clusters_table_fits_the_terminal(runner: CliRunner, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    from graphinv.cli.common import out_console

    d = ["--data-dir", str(tmp_path / "d")]
    _clustered(runner, d)
    monkeypatch.setattr(out_console, "width", width)
    res = runner.invoke(app, [*d, "clusters"])
    assert res.exit_code == 0, res.output
    table = res.stdout.splitlines()
    assert max(len(line) for line in table) <= width
    header = next(line for line in table if "cluster" in line)
    # gang: the gang-likeness the listing is sorted by (flag risk included, issue #21)
    assert header.split()[:6] == ["cluster", "shops", "platforms", "countries", "gang",
                                  "flagged"]
    import json

    res = runner.invoke(app, [*d, "clusters", "show", "G-0001", "--format", "json"])
    gang = json.loads(res.stdout)["gang_likeness"]
    row = next(line for line in table if line.strip().startswith("G-0001"))
    assert row.split()[:6] == ["G-0001", "5", "3", "1", f"{gang:.2f}", "0"]
    assert "+44 20 7946" in row  # the top identifier, cut to the room left


def test_clusters_wide_show_and_limit_on_changes(runner: CliRunner, tmp_path: Path) -> None:
    import json

    d = ["--data-dir", str(tmp_path / "d")]
    # the second run merged G-0001+G-0002 and G-0003+G-0004: two changes, one shown
    out = _clustered(runner, d, "--limit", "1")
    assert "Changes since the previous run (first 1 of 2; --limit 0 for all)" in out
    assert out.count("│ merge") == 1
    assert "from G-0001, G-0002" in out
    res = runner.invoke(app, [*d, "clusters", "--wide"])
    assert res.exit_code == 0 and "reappeared" in res.stdout and "key entities" in res.stdout
    res = runner.invoke(app, [*d, "clusters", "show", "g-0001", "--format", "json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["cluster_id"] == "G-0001" and rep["shops"] == 5
    assert rep["members"] == ["amazon:x2", "amazon:y2", "ebay:x1", "ebay:y1", "etsy:z1"]
    res = runner.invoke(app, [*d, "clusters", "show", "G-0001"])
    assert res.exit_code == 0 and "etsy:z1" in res.stdout
    res = runner.invoke(app, [*d, "clusters", "show", "G-0099"])
    assert res.exit_code == 2 and "no such cluster" in res.output


# -- item 9: global options also after the command ----------------------------------

def test_global_options_work_after_the_command(runner: CliRunner,
                                               store_args: list[str]) -> None:
    import json

    res = runner.invoke(app, ["ingest", str(FX / "flat_utf8.csv"), *store_args, "-f", "json"])
    assert res.exit_code == 0, res.output
    shops = json.loads(res.stdout)["nodes_new"]["Shop"]
    assert shops >= 2
    res = runner.invoke(app, ["status", "--format", "json", *store_args])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["nodes"]["Shop"] == shops
    res = runner.invoke(app, ["query", "run", "find-shops", *store_args, "-p", "text=bright",
                              "-f", "json"])
    assert res.exit_code == 0, res.output
    assert {r["shop"] for r in json.loads(res.stdout)} == {"aliexpress:a1", "ebay:a2"}
    joined = [f"{k}={v}" for k, v in zip(store_args[::2], store_args[1::2], strict=True)]
    res = runner.invoke(app, ["status", "-f", "json", *joined])
    assert res.exit_code == 0 and json.loads(res.stdout)["nodes"]["Shop"] == shops
    res = runner.invoke(app, ["status", "--data-dir"])
    assert res.exit_code == 2 and "Option '--data-dir' requires an argument" in res.output


# -- item 6: the rejects file's raw column is the record as written -----------------

def test_rejects_raw_is_the_original_line(runner: CliRunner, tmp_path: Path) -> None:
    import csv
    import json

    d = ["--data-dir", str(tmp_path / "d")]
    res = runner.invoke(app, [*d, "ingest", str(FX / "bad_rows.csv"), str(FX / "flat_utf8.csv"),
                              "--flags", str(FX / "flags.csv"), "-f", "json"])
    assert res.exit_code == 0, res.output
    path = json.loads(res.stdout)["rejects_path"]
    with open(path, encoding="utf-8", newline="") as fh:
        rows = {(Path(r["file"]).name, int(r["line"])): r for r in csv.DictReader(fh)}
    lines = (FX / "bad_rows.csv").read_text(encoding="utf-8").splitlines()
    # rejected after reading (no shop id): the line itself, not a JSON dict of its fields
    assert rows[("bad_rows.csv", 4)]["raw"] == lines[3]
    assert not rows[("bad_rows.csv", 4)]["raw"].startswith("{")
    flag_lines = (FX / "flags.csv").read_text(encoding="utf-8").splitlines()
    assert rows[("flags.csv", 3)]["raw"] == flag_lines[2]  # unknown flag 'bogus'


# -- item 7: one issue, one spelling, one count --------------------------------------

def test_same_issue_is_counted_under_one_spelling(runner: CliRunner, tmp_path: Path) -> None:
    import json

    res = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest", "--dry-run",
                              str(FX / "bad_phones.csv"), "-f", "json"])
    assert res.exit_code == 0, res.output
    issues = json.loads(res.stdout)["issues"]
    # two phones kept as invalid and one that normalizes to nothing: the same issue
    assert issues == {"Phone: invalid_phone": 3}
    res = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest", "--dry-run",
                              str(FX / "bad_phones.csv")])
    assert "Phone: invalid_phone ×3" in res.stdout and "phone:" not in res.stdout


# -- item 11: help pages follow one set of rules --------------------------------------

def _commands() -> list[tuple[str, object]]:
    import typer as _typer

    root = _typer.main.get_command(app)
    out: list[tuple[str, object]] = []

    def walk(cmd: object, path: str) -> None:
        out.append((path, cmd))
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, f"{path} {name}")

    walk(root, "graphinv")
    return out


def test_every_help_page_follows_the_rules(runner: CliRunner) -> None:
    shorts: dict[str, set[str]] = {}
    problems: list[str] = []
    for path, cmd in _commands():
        res = runner.invoke(app, [*path.split()[1:], "--help"])
        assert res.exit_code == 0, res.output
        if "Example:" not in res.output and "Examples:" not in res.output:
            problems.append(f"{path}: no example in --help")
        for p in getattr(cmd, "params", []):
            if getattr(p, "hidden", False) or not getattr(p, "opts", None):
                continue
            longs = [o for o in p.opts if o.startswith("--")]
            helptext = (getattr(p, "help", "") or "").lower()
            for o in p.opts + list(getattr(p, "secondary_opts", [])):
                if not o.startswith("--"):
                    shorts.setdefault(o, set()).update(longs)
            if "--out" in longs and "director" in helptext:
                problems.append(f"{path}: --out names a directory (call it --out-dir)")
            if "--out-dir" in longs and "director" not in helptext:
                problems.append(f"{path}: --out-dir help does not say it is a directory")
            for bad in ("--top", "--last", "--paths", "--count", "--max-rows"):
                if bad in longs:
                    problems.append(f"{path}: {bad} counts things: the name is --limit")
            if "--format" in longs:
                enum = p.type_descriptor.annotation  # the Enum of the choices offered
                choices = [str(c.value) for c in enum]
                if path == "graphinv explain":
                    if choices != ["table", "json"]:
                        problems.append(f"{path}: --format offers {choices}")
    for short, longs in shorts.items():
        if short != "-h" and len(longs) > 1:
            problems.append(f"{short} means {sorted(longs)}")
    assert problems == [], "\n".join(problems)


def test_renamed_options_keep_their_old_spelling(runner: CliRunner, tmp_path: Path) -> None:
    gang = Path(__file__).parent / "fixtures" / "render" / "gang.json"
    for opt in ("--out", "-o", "--out-dir"):
        out = tmp_path / opt.strip("-")
        res = runner.invoke(app, ["view", "--input", str(gang), opt, str(out), "--cluster",
                                  "g-0001"])
        assert res.exit_code == 0, res.output
        assert (out / "index.html").is_file()
    res = runner.invoke(app, ["view", "--input", str(gang), "--out-dir", str(tmp_path / "t"),
                              "--top", "0"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["explain", "--cluster", "G-0001", "--format", "csv"])
    assert res.exit_code == 2


# -- item 12: the demo's next steps work from anywhere; --open without a browser -------

def test_demo_next_steps_work_from_another_directory(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: False)  # a headless server
    res = runner.invoke(app, ["demo", "--out-dir", "demo", "--open"])
    assert res.exit_code == 0, res.output
    index = (work / "demo" / "view" / "index.html").resolve()
    assert f"No browser found here: open {index}" in res.output
    steps = [ln.strip() for ln in res.stdout.split("Next:", 1)[1].splitlines() if ln.strip()]
    assert steps[0] == f"open {index}"
    monkeypatch.chdir(elsewhere)  # the printed commands must not depend on the demo's cwd
    for step in steps[1:4]:
        env_part, _, cmd = step.partition(" graphinv ")
        name, _, value = env_part.partition("=")
        assert name == "GRAPHINV_DATA_DIR" and Path(shlex.split(value)[0]).is_absolute()
        res = runner.invoke(app, shlex.split(cmd), env={name: shlex.split(value)[0]})
        assert res.exit_code == 0, (step, res.output)


# -- item 13: the README quick start works where global installs are refused ----------

def test_readme_quick_start_installs_into_a_venv_and_its_demo_command_runs(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re
    import shlex

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    (command,) = [ln for ln in quick.splitlines() if ln.strip() and not ln.startswith("#")]
    steps = [s.strip() for s in command.split("&&")]
    # PEP 668: nothing installs into the system Python; the venv step is part of (1)
    assert re.fullmatch(r"python3 -m venv (\S+)", steps[0])
    venv = steps[0].split()[-1]
    assert steps[1] == f". {venv}/bin/activate"
    assert steps[2].startswith("pip install ") and "python3 -m pip" not in command
    demo = shlex.split(steps[3])
    assert demo[:2] == ["graphinv", "demo"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: True)
    res = runner.invoke(app, demo[1:])  # the options it shows exist and work
    assert res.exit_code == 0, res.output
    out = demo[demo.index("--out-dir") + 1]
    assert (tmp_path / out / "view" / "index.html").is_file()
    assert f"`{out}/view/index.html`" in readme  # the page the README tells you to open
