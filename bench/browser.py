"""Drive headless Chromium over a generated page: for tests and benchmarks.

Selenium 4 with the system's Chromium and chromedriver, networking made
impossible (a dead proxy at 127.0.0.1:9, background services off), the
performance log on so every request the page makes can be checked, and
``window.alert``/``confirm``/``prompt`` recorded instead of shown.

Selenium is a test dependency; it is imported only when a browser is opened.

>>> chromium_paths() is None or len(chromium_paths()) == 2
True
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["chromium_paths", "open_chromium", "PageCheck", "check_page", "CHROMIUM_ARGS"]

CHROMIUM_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-quic",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--window-size=1400,900", "--allow-file-access-from-files",
)

_ALERT_TRAP = """
window.__dialogs = [];
['alert', 'confirm', 'prompt'].forEach(function (name) {
  window[name] = function (msg) { window.__dialogs.push(name + ':' + String(msg)); };
});
"""


def chromium_paths() -> tuple[str, str] | None:
    """``(chromium, chromedriver)`` if both are installed, else None."""
    browser = (os.environ.get("GRAPHINV_CHROMIUM") or shutil.which("chromium")
               or shutil.which("chromium-browser") or shutil.which("google-chrome"))
    driver = os.environ.get("GRAPHINV_CHROMEDRIVER") or shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    return None


@contextmanager
def open_chromium(*, file_access: bool = True) -> Iterator[Any]:
    """A headless Chromium WebDriver with networking disabled; quit on exit.
    ``file_access=False`` drops ``--allow-file-access-from-files``: file:// pages then
    load as a user's browser loads them (each file its own opaque origin)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    paths = chromium_paths()
    if paths is None:
        raise RuntimeError("chromium and chromedriver are not installed")
    profile = tempfile.mkdtemp(prefix="graphinv-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = paths[0]
    for arg in CHROMIUM_ARGS:
        if file_access or arg != "--allow-file-access-from-files":
            opts.add_argument(arg)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=paths[1]), options=opts)
    try:
        driver.set_page_load_timeout(60)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                               {"source": _ALERT_TRAP})
        yield driver
    finally:
        try:
            driver.quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)


@dataclass
class PageCheck:
    """What a page did in the browser."""

    url: str
    ready: bool
    draw_s: float | None
    nodes: int
    edges: int
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def remote_requests(self) -> list[str]:
        """Requests for anything but the page's own file and inline data."""
        return [u for u in self.requests if not u.startswith(("file:", "data:", "about:",
                                                               "blob:"))]


def _requests(driver: Any) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        try:
            msg = json.loads(entry["message"])["message"]
        except (KeyError, ValueError):
            continue
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def check_page(driver: Any, path: str | os.PathLike[str], *, timeout: float = 60.0,
               screenshot: str | os.PathLike[str] | None = None) -> PageCheck:
    """Load ``path`` (file://), wait until the network is drawn, collect evidence."""
    url = Path(path).resolve().as_uri()
    driver.get_log("browser")  # drop earlier entries
    driver.get_log("performance")
    driver.get(url)
    deadline = time.monotonic() + timeout
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = driver.execute_script(
            "var g = window.graphinv || {};"
            "return {ready: !!g.ready, drawn: g.drawnMs || null,"
            " nodes: g.nodes ? g.nodes.length : -1, edges: g.edges ? g.edges.length : -1,"
            " errors: g.errors || [], dialogs: window.__dialogs || []};")
        if state.get("ready") or state.get("errors"):
            break
        time.sleep(0.05)
    if screenshot is not None:
        Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(screenshot))
    logs = driver.get_log("browser")
    errors = [e.get("message", "") for e in logs if e.get("level") == "SEVERE"]
    errors += [str(e) for e in state.get("errors", [])]
    drawn = state.get("drawn")
    return PageCheck(url=url, ready=bool(state.get("ready")),
                     draw_s=None if drawn is None else drawn / 1000.0,
                     nodes=int(state.get("nodes", -1)), edges=int(state.get("edges", -1)),
                     console_errors=errors, requests=_requests(driver),
                     dialogs=list(state.get("dialogs", [])))
