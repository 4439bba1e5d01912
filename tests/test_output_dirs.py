"""Output directories graphinv owns (issue #16 item 15, issue #20 items 1-2): ``view``,
``clusters --html`` and ``demo`` never write into system directories or a user's folder,
never delete or overwrite a file graphinv did not write, and a new view replaces the old
one without leaving its stale pages behind."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app
from graphinv.render.outdir import MARKER, read_manifest

GANG = Path(__file__).parent / "fixtures" / "render" / "gang.json"
FLAT = Path(__file__).parent / "fixtures" / "ingest" / "flat_utf8.csv"


def _view(runner: CliRunner, out: Path, *extra: str) -> tuple[int, str]:
    res = runner.invoke(app, ["view", "--input", str(GANG), "--out", str(out), *extra])
    return res.exit_code, res.output


def _tree(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("target", ["/", "/etc", "/usr", "HOME"])
def test_view_refuses_system_directories(runner: CliRunner, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    """``view --out /`` as root wrote 50+ files into ``/``."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))

    def never(*args: object, **kw: object) -> None:  # if the refusal ever regresses
        raise AssertionError(f"view tried to write a site: {args[3:]}")

    monkeypatch.setattr("graphinv.render.html.write_site", never)
    out = home if target == "HOME" else Path(target)
    before = sorted(p.name for p in out.iterdir())
    code, output = _view(runner, out)
    assert code == 1, output
    assert "refusing to write into a system directory" in output
    assert "choose an empty or new directory" in output
    assert sorted(p.name for p in out.iterdir()) == before


def test_view_refuses_a_users_non_empty_directory(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "proj"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, output = _view(runner, out)
    assert code == 1 and "graphinv did not create it" in output, output
    assert _tree(out) == {"notes.txt": b"mine"}
    assert [p.name for p in tmp_path.iterdir()] == ["proj"]  # no staging left behind


def test_new_view_replaces_the_old_one_without_stale_pages(runner: CliRunner,
                                                           tmp_path: Path) -> None:
    """A second ``view`` into the same directory left the first run's pages beside the new
    ones (stale clusters looked current)."""
    out = tmp_path / "view"
    assert _view(runner, out, "--top", "0")[0] == 0
    first = set(_tree(out))
    assert any(n.startswith("cluster-G_0002") for n in first)
    (out / "my-notes.txt").write_text("mine", encoding="utf-8")
    code, output = _view(runner, out, "--cluster", "G-0001")
    assert code == 0, output
    now = set(_tree(out))
    assert not any(n.startswith("cluster-G_0002") or "G_0002" in n for n in now)
    assert "cluster-G-0001.html" in now and "index.html" in now
    assert (out / "my-notes.txt").read_text(encoding="utf-8") == "mine"
    manifest = read_manifest(out)
    assert manifest is not None and manifest["kind"] == "view"
    assert set(manifest["files"]) == now - {"my-notes.txt", MARKER}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["view"]


def test_shared_assets_follow_the_manifest_rules(runner: CliRunner, tmp_path: Path) -> None:
    """The view's assets/ files (issue #22) are listed in the manifest like the pages: a
    later view removes the assets of an earlier release it listed, keeps a user's file in
    assets/ and refuses to overwrite an asset-named file graphinv did not write."""
    from graphinv.render.assets import shared_files

    out = tmp_path / "view"
    assert _view(runner, out)[0] == 0
    manifest = read_manifest(out)
    assert manifest is not None and set(shared_files()) <= set(manifest["files"])
    # an earlier release's script, listed in the manifest; a user's file beside it
    (out / "assets" / "graphinv-0123456789ab.js").write_text("old", encoding="utf-8")
    (out / "assets" / "my-notes.txt").write_text("mine", encoding="utf-8")
    listed = [*manifest["files"], "assets/graphinv-0123456789ab.js"]
    (out / MARKER).write_text(json.dumps({**manifest, "files": listed}), encoding="utf-8")
    assert _view(runner, out)[0] == 0
    now = _tree(out)
    assert "assets/graphinv-0123456789ab.js" not in now
    assert now["assets/my-notes.txt"] == b"mine" and set(shared_files()) <= set(now)
    # a new directory holding a user's file named like an asset: refused, nothing written
    other = tmp_path / "other"
    assert _view(runner, other, "--cluster", "G-0001")[0] == 0
    manifest = read_manifest(other)
    assert manifest is not None
    vis = next(p for p in shared_files() if "vis-network" in p)
    (other / MARKER).write_text(json.dumps(
        {**manifest, "files": [f for f in manifest["files"] if f != vis]}), encoding="utf-8")
    (other / vis).write_text("mine", encoding="utf-8")
    before = _tree(other)
    code, output = _view(runner, other)
    assert code == 1 and "would overwrite a file graphinv did not write" in output, output
    assert _tree(other) == before


def test_view_never_overwrites_a_file_it_did_not_write(runner: CliRunner,
                                                       tmp_path: Path) -> None:
    full = tmp_path / "full"
    assert _view(runner, full, "--top", "0")[0] == 0
    page2 = next(n for n in _tree(full) if n.startswith("cluster-G_0002") and n.endswith(".html"))
    out = tmp_path / "view"
    assert _view(runner, out, "--cluster", "G-0001")[0] == 0
    (out / page2).write_text("mine", encoding="utf-8")  # the user's file, same name
    before = _tree(out)
    code, output = _view(runner, out, "--top", "0")
    assert code == 1 and "would overwrite a file graphinv did not write" in output, output
    assert _tree(out) == before


def test_clusters_html_refuses_before_running(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "proj"
    out.mkdir()
    (out / "a.txt").write_text("mine", encoding="utf-8")
    res = runner.invoke(app, ["--data-dir", str(tmp_path / "no-store"), "clusters",
                              "--html", str(out)])
    assert res.exit_code == 1 and "graphinv did not create it" in res.output, res.output
    assert _tree(out) == {"a.txt": b"mine"}


# -- demo -------------------------------------------------------------------------------------

@pytest.fixture
def sample(tmp_path: Path) -> Path:
    d = tmp_path / "sample"
    d.mkdir()
    shutil.copy(FLAT, d / "listings.csv")
    return d


def _demo(runner: CliRunner, out: Path | str, sample: Path) -> tuple[int, str]:
    res = runner.invoke(app, ["demo", "--out", str(out), "--sample", str(sample)])
    return res.exit_code, res.output


def test_demo_never_deletes_a_users_data_folder(runner: CliRunner, tmp_path: Path,
                                                sample: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``graphinv demo --out proj`` deleted ``proj/data/my_listings.csv``; ``--out .``
    would have wiped ``./data``."""
    proj = tmp_path / "proj"
    (proj / "data").mkdir(parents=True)
    (proj / "data" / "my_listings.csv").write_text("shop_id\nS1\n", encoding="utf-8")
    before = _tree(proj)
    code, output = _demo(runner, proj, sample)
    assert code == 1 and "graphinv did not create it" in output, output
    assert _tree(proj) == before
    monkeypatch.chdir(proj)
    code, output = _demo(runner, ".", sample)
    assert code == 1 and "choose an empty or new directory" in output, output
    assert _tree(proj) == before


def test_demo_rerun_replaces_only_its_own_files(runner: CliRunner, tmp_path: Path,
                                                sample: Path) -> None:
    out = tmp_path / "demo"
    code, output = _demo(runner, out, sample)
    assert code == 0, output
    manifest = read_manifest(out)
    assert manifest is not None and manifest["kind"] == "demo"
    assert manifest["status"] == "complete" and manifest["files"]
    assert all(f.startswith("data/") for f in manifest["files"])
    assert (out / "view" / "index.html").is_file()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, output = _demo(runner, out, sample)  # a rerun starts from a fresh store
    assert code == 0, output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    runs = json.loads((out / MARKER).read_text(encoding="utf-8"))["files"]
    assert sum(1 for f in runs if f.startswith("data/runs/") and f.endswith(".json")) == 1
    (out / "data" / "mine.csv").write_text("x", encoding="utf-8")
    code, output = _demo(runner, out, sample)
    assert code == 1 and "holds files graphinv did not record" in output, output
    assert (out / "data" / "mine.csv").read_text(encoding="utf-8") == "x"


def test_an_interrupted_demo_is_replaced_by_the_next(runner: CliRunner, tmp_path: Path,
                                                    sample: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Files an interrupted demo wrote into OUT/data are recorded, so a rerun removes them
    instead of refusing a folder graphinv filled itself."""
    import graphinv.analysis.pipeline as pipeline

    def boom(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    out = tmp_path / "demo"
    with monkeypatch.context() as m:
        m.setattr(pipeline, "run_clusters", boom)
        code, _ = _demo(runner, out, sample)
    assert code == 130
    manifest = read_manifest(out)
    assert manifest is not None and manifest["status"] == "interrupted" and manifest["files"]
    code, output = _demo(runner, out, sample)
    assert code == 0, output
