"""Issue #16 item 6: no untrusted value drives the terminal.

Shop names and file names come from scraped pages and other people's folders.
ESC/OSC sequences in them retitled the window, cleared the screen, hid text,
planted OSC 8 links and wrote the clipboard (OSC 52) when a table printed them.
"""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from graphinv.cli.app import app

ESC, BEL = "\x1b", "\x07"
NASTY = {
    "T1": f"Title{ESC}]0;pwned{BEL}Shop",                           # window title
    "T2": f"Clear{ESC}[2J{ESC}[HShop",                             # clear screen, cursor home
    "T3": f"Hidden{ESC}[8msecret{ESC}[0mShop",                     # invisible text
    "T4": f"{ESC}]8;;https://evil.example/{ESC}\\Link{ESC}]8;;{ESC}\\",   # OSC 8 hyperlink
    "T5": f"Clip{ESC}]52;c;cm0gLXJmIH4K{BEL}Shop",                 # OSC 52 clipboard write
    "T6": "C1\x9b2JShop\x9d0;x\x9c",                               # 8-bit CSI / OSC / ST
}
# Any C0 control but newline and tab, DEL, and any C1 control.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _ingest(tmp_path: Path) -> tuple[list[str], Path]:
    src = tmp_path / f"shops{ESC}]0;file{BEL}.csv"
    lines = ["shop_id,shop_name,platform,phone"]
    lines += [f'{k},"{v}",ebay,+86 138 0013 800{i}' for i, (k, v) in enumerate(NASTY.items())]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["--data-dir", str(tmp_path / "d")]
    return args, src


def _clean(text: str) -> bool:
    return CONTROL.search(text) is None


def test_ingest_summary_and_query_tables_show_controls_visibly(tmp_path: Path) -> None:
    args, src = _ingest(tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, [*args, "ingest", str(src)])
    assert res.exit_code == 0, res.output
    assert _clean(res.stdout) and _clean(res.stderr)
    assert "shops␛]0;file␇.csv" in res.stdout + res.stderr  # the file name, visibly

    query = tmp_path / "names.cypher"
    query.write_text("MATCH (s:Shop) RETURN s.name AS name ORDER BY name\n", encoding="utf-8")
    res = runner.invoke(app, [*args, "query", "run", "--file", str(query)])
    assert res.exit_code == 0, res.output
    assert _clean(res.stdout) and _clean(res.stderr)
    shown = re.sub(r"\s+", "", res.stdout)
    assert "Title␛]0;pwned␇Shop" in shown
    assert "C1<U+009B>2JShop" in shown


def test_error_messages_show_controls_visibly(tmp_path: Path) -> None:
    args, _ = _ingest(tmp_path)
    missing = tmp_path / f"gone{ESC}[2J{ESC}]52;c;eA=={BEL}.cypher"
    res = CliRunner().invoke(app, [*args, "query", "run", "--file", str(missing)])
    assert res.exit_code == 1
    assert _clean(res.stdout) and _clean(res.stderr)
    assert "gone␛[2J" in res.stderr


def test_machine_formats_keep_the_bytes(tmp_path: Path) -> None:
    """JSON/CSV for programs (not a terminal) are data: they are not rewritten."""
    args, src = _ingest(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, [*args, "ingest", str(src)]).exit_code == 0
    query = tmp_path / "names.cypher"
    query.write_text("MATCH (s:Shop {shop_id: 'T2'}) RETURN s.name AS name\n", encoding="utf-8")
    res = runner.invoke(app, [*args, "query", "run", "--file", str(query), "-f", "json"])
    assert res.exit_code == 0, res.output
    assert "\\u001b[2J" in res.stdout
