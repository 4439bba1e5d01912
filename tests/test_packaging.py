"""What users install: declared dependencies match the imports, and a built wheel
carries the saved queries and the demo sample, no test-only modules, and runs."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Declared but never imported by name: the Rust packstream codec the neo4j driver
#: picks up by itself when it is installed.
IMPLICIT = {"neo4j-rust-ext": "loaded by the neo4j driver, not imported"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {_norm(re.match(r"[A-Za-z0-9_.-]+", d).group(0))  # type: ignore[union-attr]
            for d in meta["project"]["dependencies"]}


def _imported_modules() -> dict[str, str]:
    """Top-level third-party module -> first file:line importing it, over graphinv/."""
    out: dict[str, str] = {}
    for path in sorted((ROOT / "graphinv").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top == "graphinv" or top in sys.stdlib_module_names:
                    continue
                out.setdefault(top, f"{path.relative_to(ROOT)}:{node.lineno}")
    return out


def test_declared_dependencies_match_the_imports() -> None:
    dists = packages_distributions()
    imported: dict[str, str] = {}
    for module, where in _imported_modules().items():
        found = dists.get(module)
        assert found, f"{module} (imported at {where}) is not installed by any distribution"
        imported[_norm(found[0])] = where
    declared = _declared()
    assert sorted(set(imported) - declared) == [], "imported but not declared"
    assert sorted(declared - set(imported) - set(IMPLICIT)) == [], "declared but not imported"


def test_package_holds_no_test_only_modules() -> None:
    mods = {p.stem for p in (ROOT / "graphinv").rglob("*.py")}
    assert not mods & {"synthetic", "browser", "bench", "conftest"}
    assert "selenium" not in _imported_modules()


@pytest.mark.slow
def test_built_wheel_installs_and_runs(tmp_path: Path) -> None:
    """Build the wheel, install it into a fresh venv (dependencies from the package
    index or the pip cache) and run `graphinv query list` and `graphinv demo` from it,
    outside the checkout."""
    # Build from a clean copy: setuptools reuses a checkout's build/ folder, which can
    # still hold modules that have since left the package.
    src = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("graphinv", "queries", "examples"):
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        if (ROOT / name).is_file():
            shutil.copyfile(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(wheels), str(src)], check=True, cwd=tmp_path)
    (wheel,) = wheels.glob("graphinv-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    queries = sorted(Path(n).name for n in names if n.startswith("graphinv/queries/"))
    assert queries == sorted(p.name for p in (ROOT / "queries").glob("*.cypher"))
    assert {"graphinv/demo_data/listings.csv", "graphinv/demo_data/flags.csv",
            "graphinv/demo_data/truth.csv"} <= set(names)
    assert not [n for n in names if re.search(r"(^|/)(tests?|bench)/|synthetic|browser", n)]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "--no-compile",  # byte-compiling every dependency is most of its time
                    str(wheel)], check=True)
    exe = venv / "bin" / "graphinv"
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPHINV_")}
    listed = subprocess.run([str(exe), "query", "list"], cwd=work, env=env,
                            capture_output=True, text=True, check=False)
    assert listed.returncode == 0, listed.stderr
    for name in ("hubs", "top-clusters", "shop-neighbourhood"):
        assert name in listed.stdout
    demo = subprocess.run([str(exe), "demo", "--out", str(work / "demo")], cwd=work, env=env,
                          capture_output=True, text=True, check=False)
    assert demo.returncode == 0, demo.stderr
    assert "Found " in demo.stdout and (work / "demo" / "view" / "index.html").is_file()
    assert "graphinv/demo_data/truth.csv" in demo.stdout  # the installed sample was used
