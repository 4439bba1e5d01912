"""Build hook: the wheel carries the saved queries and the demo sample.

The repository keeps them at the top level (``queries/*.cypher``, ``examples/data``)
where the design card puts them; at build time they are copied into the package as
``graphinv/queries`` and ``graphinv/demo_data``, where an installed graphinv looks
for them (:func:`graphinv.querylib.library.builtin_dirs`,
:func:`graphinv.cli.demo_cmds.sample_dir`). Editable installs read the top-level
folders directly. Everything else is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: (source folder, files, folder inside the package)
SHIPPED = (
    ("queries", ("*.cypher",), "queries"),
    ("examples/data", ("listings.csv", "flags.csv", "truth.csv"), "demo_data"),
)


class BuildPyWithData(build_py):
    """``build_py`` that also copies :data:`SHIPPED` into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for src, patterns, dst in SHIPPED:
            target = Path(self.build_lib) / "graphinv" / dst
            target.mkdir(parents=True, exist_ok=True)
            found = sorted({p for pat in patterns for p in (ROOT / src).glob(pat)})
            if not found:
                raise SystemExit(f"build: nothing matches {patterns} in {ROOT / src}")
            for path in found:
                shutil.copyfile(path, target / path.name)


setup(cmdclass={"build_py": BuildPyWithData})
