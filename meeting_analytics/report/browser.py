"""Render HTML reports in a real headless Chromium (Debian's ``chromium-headless-shell`` or ``chromium``):
a PNG screenshot of the whole page, or the DOM after the page ran (to prove no script did)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import BrowserError

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    env = os.environ.get("MEETING_ANALYTICS_BROWSER")
    return env if env else next((p for p in map(shutil.which, BROWSERS) if p), None)


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    browser = find_browser()
    if browser is None:
        raise BrowserError("no headless Chromium found: apt-get install chromium-headless-shell")
    # a throwaway profile, no network, no GPU; the sandbox off only for root (Chromium will not start
    # sandboxed as root: CI's containers), kept for everyone else
    with tempfile.TemporaryDirectory(prefix="ma-chromium-") as profile:
        cmd = [browser, "--headless", *sandbox_flags(), "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               "--disable-extensions", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
               f"--user-data-dir={profile}", *args]
        done = _run_group(cmd, timeout, Path(browser).name)
    if done.returncode != 0:
        raise BrowserError(f"{Path(browser).name} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return done


def sandbox_flags() -> list[str]:
    """``--no-sandbox`` for root only: Chromium refuses to run sandboxed as root."""
    return ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def _run_group(cmd: list[str], timeout: float, name: str) -> subprocess.CompletedProcess:
    """Run ``cmd`` in a process group of its own, killed whole on timeout: Debian's launcher is a shell
    script whose browser child would outlive a kill of the script alone."""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            raise BrowserError(f"{name} did not finish within {timeout:.0f} s") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc``'s whole process group (started with ``start_new_session``), then reap it."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def dump_dom(html_path: str | Path, timeout: float = 60) -> str:
    """The page's DOM serialised after load (scripts, had any run, would have changed it)."""
    return _run(["--dump-dom", Path(html_path).resolve().as_uri()], timeout).stdout


def _crop_bottom(png: Path, margin: int = 24) -> tuple[int, int]:
    """Cut the empty background below the page's last content."""
    from PIL import Image

    with Image.open(png) as img:
        rgb = np.asarray(img.convert("RGB"))
    background = rgb[-1, -1]
    rows = np.flatnonzero((rgb != background).any(axis=(1, 2)))
    height = min(int(rows[-1]) + margin, rgb.shape[0]) if len(rows) else rgb.shape[0]
    with Image.open(png) as img:
        img.crop((0, 0, rgb.shape[1], height)).save(png)
    return rgb.shape[1], height


def screenshot(html_path: str | Path, png_path: str | Path, width: int = 1200, max_height: int = 16000,
               timeout: float = 120) -> tuple[int, int]:
    """A PNG of the whole page (rendered into a tall window, then cropped); returns (width, height)."""
    target = Path(png_path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".png", dir=target.parent)  # not a name to guess
    os.close(fd)
    png = Path(name)
    try:
        _run([f"--screenshot={png}", f"--window-size={width},{max_height}", Path(html_path).resolve().as_uri()],
             timeout)
        if not png.is_file():
            raise BrowserError(f"{target}: the browser wrote no screenshot")
        size = _crop_bottom(png)
        os.replace(png, target)
    finally:
        png.unlink(missing_ok=True)
    return size
