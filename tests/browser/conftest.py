"""Fixtures of the browser tests: Debian's Chromium driven by Selenium, and the sandbox
(`python -m bot sandbox`) as a subprocess the browser talks to.

- `CHROMIUM_PATH` / `CHROMEDRIVER_PATH` point at the browser and its driver (default
  /usr/bin/chromium and /usr/bin/chromedriver, from Debian's `chromium` and `chromium-driver`).
  Selenium is given both paths, so its selenium-manager never looks for a driver on the network.
- Without them the tests skip; `TEST_REQUIRE_BROWSER=1` (CI) turns that skip into a failure.
  A variable of its own rather than TEST_REQUIRE_SERVICES: a developer who runs the database
  tests against PostgreSQL should not need a browser installed for that.
- `SANDBOX_SCREENSHOTS_DIR`: where the screenshots go (default var/screenshots/ in the checkout).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from bot.settings import Settings
from tests.conftest import ROOT

BROWSER_MISSING = (
    "Chromium and chromedriver are not installed: apt-get install chromium chromium-driver"
)
WINDOW_SIZE = (1280, 860)
SANDBOX_START_SECONDS = 180
# Settings the bot reads: a developer's environment must not point the sandbox elsewhere.
_BOT_ENV = frozenset(name.upper() for name in Settings.model_fields)


@dataclass(frozen=True)
class BrowserPaths:
    chromium: Path
    chromedriver: Path


@dataclass
class Sandbox:
    """A running `python -m bot sandbox`: its page's URL, data folder and output."""

    url: str
    data_dir: Path
    output_path: Path
    process: subprocess.Popen[bytes]

    def logs(self) -> str:
        """The sandbox's own output and the bot's log from the data folder, for a failed test."""
        parts = [f"--- sandbox output ({self.output_path}) ---", _read(self.output_path)]
        for log in sorted(self.data_dir.rglob("*.log")):
            parts += [f"--- {log} ---", _read(log)]
        return "\n".join(parts)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(missing)"


_BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _BROWSER_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.process)  # the sandbox and Chromium: not the quick subset


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"_browser_report_{report.when}", report)
    return report


def _test_failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"_browser_report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


def _executable(env_name: str, default: str) -> Path | None:
    path = Path(os.environ.get(env_name) or default)
    return path if path.is_file() and os.access(path, os.X_OK) else None


@pytest.fixture(scope="session")
def browser_paths() -> BrowserPaths:
    """Chromium and chromedriver; skip without them (fail under TEST_REQUIRE_BROWSER=1)."""
    chromium = _executable("CHROMIUM_PATH", "/usr/bin/chromium")
    chromedriver = _executable("CHROMEDRIVER_PATH", "/usr/bin/chromedriver")
    if chromium is None or chromedriver is None:
        if os.environ.get("TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(BROWSER_MISSING + " (TEST_REQUIRE_BROWSER=1 forbids skipping)")
        pytest.skip(BROWSER_MISSING)
    return BrowserPaths(chromium=chromium, chromedriver=chromedriver)


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    """The folder the screenshots are written to (created; a run overwrites its own PNGs)."""
    folder = Path(os.environ.get("SANDBOX_SCREENSHOTS_DIR") or ROOT / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def driver(browser_paths: BrowserPaths, tmp_path: Path) -> Iterator[WebDriver]:
    """A headless Chromium in Ukrainian, at a fixed window size for comparable screenshots."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(browser_paths.chromium)
    width, height = WINDOW_SIZE
    for argument in (
        "--headless=new",
        f"--window-size={width},{height}",
        "--lang=uk",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        # /dev/shm is 64 MB in many containers: Chromium crashes on large pages without this.
        "--disable-dev-shm-usage",
        # Nothing leaves the computer: no updates, sync, translation or other background traffic.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-first-run",
        "--disable-features=Translate,MediaRouter,OptimizationHints",
    ):
        options.add_argument(argument)
    if os.geteuid() == 0:
        # Chromium refuses to run as root with its sandbox (CI containers run as root).
        options.add_argument("--no-sandbox")
    options.add_experimental_option("prefs", {"intl.accept_languages": "uk,uk-UA"})
    service = Service(
        executable_path=str(browser_paths.chromedriver),
        log_output=str(tmp_path / "chromedriver.log"),
    )
    browser = webdriver.Chrome(service=service, options=options)
    # --window-size sets the outer window; the screenshots show the page area, which is smaller.
    outer = browser.execute_script("return [outerWidth - innerWidth, outerHeight - innerHeight]")
    browser.set_window_size(width + outer[0], height + outer[1])
    try:
        yield browser
    finally:
        browser.quit()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _bot_running(url: str) -> bool:
    """Whether the page answers and says the bot process is polling (`/api/state`)."""
    try:
        with urllib.request.urlopen(url + "api/state", timeout=5) as response:
            state = json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return bool(state.get("status", {}).get("bot") == "running")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the sandbox stops the bot and saves its state), SIGKILL after 20 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def sandbox(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """`python -m bot sandbox` on a free loopback port with a fresh data folder (removed after);
    its output and the bot's log are printed when the test fails."""
    output_path = tmp_path / "sandbox-output.log"
    # An empty working folder: a developer's .env in the checkout (a real token, a production
    # database) must not reach the sandbox under test. A short one rather than tmp_path, as the
    # page's banner (and so the screenshots) shows the data folder's path.
    workdir = Path(tempfile.mkdtemp(prefix="hromada-sandbox-"))
    data_dir = Path("var") / "sandbox"
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in _BOT_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with output_path.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "sandbox",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = Sandbox(
        url=f"http://127.0.0.1:{port}/",
        data_dir=workdir / data_dir,
        output_path=output_path,
        process=process,
    )
    try:
        deadline = time.monotonic() + SANDBOX_START_SECONDS
        # The first start seeds the database (the codifier's import too) before the bot polls.
        while not _bot_running(running.url):
            # The logs go into the failure itself: the report of the set-up comes after this.
            if process.poll() is not None:
                pytest.fail(f"the sandbox exited with code {process.returncode}\n{running.logs()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the sandbox's bot was not running after {SANDBOX_START_SECONDS} s\n"
                    + running.logs()
                )
            time.sleep(0.25)  # a subprocess starting: nothing to wait on but its port
        yield running
    finally:
        _stop(process)
        if _test_failed(request):
            print(running.logs())
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def failure_capture(
    driver: WebDriver, screenshots_dir: Path, request: pytest.FixtureRequest
) -> Iterator[None]:
    """On a failed test: the page's screenshot and HTML as failure-<test>.png/.html, beside the
    walkthrough's screenshots (CI lists that folder)."""
    yield
    if _test_failed(request):
        name = f"failure-{request.node.name}"
        driver.save_screenshot(str(screenshots_dir / f"{name}.png"))
        (screenshots_dir / f"{name}.html").write_text(driver.page_source, encoding="utf-8")
