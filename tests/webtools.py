"""A real ``meeting-analytics serve`` process on loopback, an HTTP client for its API, and a headless
Chromium driven over the DevTools protocol (Debian's ``chromium-headless-shell``; no WebDriver needed).
Used by tests/test_web.py and benchmarks/web.py."""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from meeting_analytics.report.browser import find_browser, kill_group, sandbox_flags


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``meeting-analytics serve`` in a subprocess; ``client`` talks to it."""

    def __init__(self, data_dir: Path, *args: str, port: int | None = None, token: str | None = None,
                 env: dict | None = None):
        """``token``: the server's (``$MEETING_ANALYTICS_TOKEN``; a random one when not given), sent by
        ``client``; ``open_url`` is the start URL a user opens (the browser gets its cookie there)."""
        self.data_dir, self.port = Path(data_dir), port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token or secrets.token_urlsafe(16)
        self.open_url = f"{self.url}/?token={self.token}"
        self.log = open(self.data_dir.parent / f"serve-{self.port}.log", "ab")
        env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONWARNINGS="ignore", MEETING_ANALYTICS_TOKEN=self.token,
                   **(env or {}))
        self.proc = subprocess.Popen([sys.executable, "-m", "meeting_analytics", "serve", "--data_dir",
                                      str(self.data_dir), "--port", str(self.port), *args],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.client = httpx.Client(base_url=self.url, timeout=30, headers=self.headers)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited {self.proc.returncode}: {self.output()}")
            try:
                if self.client.get("/api/jobs", timeout=2).status_code in (200, 401):
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise TimeoutError(f"serve did not answer within {timeout} s")

    def output(self) -> str:
        self.log.flush()
        return (self.data_dir.parent / f"serve-{self.port}.log").read_text(errors="replace")

    def upload(self, path: Path | str, filename: str | None = None, **fields) -> httpx.Response:
        with open(path, "rb") as fh:
            return self.client.post("/api/jobs", files={"file": (filename or Path(path).name, fh, "audio/wav")},
                                    data={k: str(v) for k, v in fields.items()})

    def wait(self, job_id: str, timeout: float = 600, every: float = 0.5) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.client.get(f"/api/jobs/{job_id}").json()
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(every)
        raise TimeoutError(f"job {job_id} not finished within {timeout} s: {job}")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.client.close()
        self.log.close()


class Chromium:
    """A headless Chromium and one page, over the DevTools protocol (a websocket)."""

    def __init__(self, width: int = 1200, height: int = 900):
        from websockets.sync.client import connect

        browser = find_browser()
        if browser is None:
            raise RuntimeError("no headless Chromium (apt-get install chromium-headless-shell)")
        self.profile = tempfile.TemporaryDirectory(prefix="ma-cdp-")
        self.proc = subprocess.Popen(
            [browser, "--headless", *sandbox_flags(), "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile.name}", f"--window-size={width},{height}",
             "--proxy-server=127.0.0.1:9", "about:blank"],  # loopback bypasses the proxy; nothing else is reached
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.stack = ExitStack()
        try:
            ws_url = self._devtools_url()
            port = re.search(r":(\d+)/", ws_url).group(1)
            page = next(t for t in httpx.get(f"http://127.0.0.1:{port}/json", timeout=10).json() if t["type"] == "page")
            self.ws = self.stack.enter_context(connect(page["webSocketDebuggerUrl"], max_size=64 * 2**20,
                                                       open_timeout=20))
        except BaseException:
            self.close()
            raise
        self.ids = itertools.count(1)
        self.send("Page.enable")
        self.send("DOM.enable")
        self.send("Runtime.enable")

    def _devtools_url(self, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                return m.group(1)
            if not line and self.proc.poll() is not None:
                break
        raise RuntimeError("Chromium did not start its DevTools endpoint")

    def send(self, method: str, **params) -> dict:
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv(timeout=60))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str, timeout: float = 30) -> None:
        self.send("Page.navigate", url=url)
        self.until("document.readyState === 'complete' && location.href.startsWith(" + json.dumps(url) + ")",
                   timeout)

    def until(self, expression: str, timeout: float = 60, every: float = 0.25):
        """The value of ``expression`` once truthy (make it a value: ``!!el``, not an element)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError:  # mid-navigation
                value = None
            if value:
                return value
            time.sleep(every)
        raise TimeoutError(f"not true within {timeout} s: {expression}")

    def set_file(self, selector: str, path: Path) -> None:
        root = self.send("DOM.getDocument")["root"]["nodeId"]
        node = self.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        self.send("DOM.setFileInputFiles", files=[str(Path(path).resolve())], nodeId=node)

    def screenshot(self, path: Path, height: int | None = None) -> None:
        """The page beyond the window; ``height``: its top that many CSS pixels only."""
        clip = {"clip": {"x": 0, "y": 0, "width": self.evaluate("document.documentElement.clientWidth"),
                         "height": height, "scale": 1}} if height else {}
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True, **clip)
        Path(path).write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        """The whole browser: Debian's launcher is a shell script, its browser a child of it."""
        try:
            self.stack.close()
        finally:
            kill_group(self.proc)
            self.profile.cleanup()


@contextmanager
def chromium(**kwargs):
    browser = Chromium(**kwargs)
    try:
        yield browser
    finally:
        browser.close()


def make_clips(source: Path, out_dir: Path, count: int = 5, seconds: float = 4.0, start: float = 6.0) -> list[Path]:
    """``count`` different short clips of ``source`` (ffmpeg), for many small uploads."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clips = []
    for i in range(count):
        clip = out_dir / f"clip{i}.wav"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", str(start + i * seconds), "-t", str(seconds),
                        "-i", str(source), "-ac", "1", "-ar", "16000", str(clip)], check=True)
        clips.append(clip)
    return clips


def load(server: Server, files: list[Path], pages: tuple[str, ...] = ("/", "/jobs", "/api/jobs"),
         timeout: float = 60) -> dict:
    """Upload ``files`` all at once (a thread each, each request with ``timeout``) while another thread
    keeps reading ``pages``: the responses, and the page latencies seen meanwhile."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    latencies, page_errors, stop = [], [], threading.Event()

    def read_pages():
        with httpx.Client(base_url=server.url, timeout=timeout, headers=server.headers) as c:
            for path in itertools.cycle(pages):
                if stop.is_set():
                    return
                t0 = time.perf_counter()
                try:
                    status = c.get(path).status_code
                except httpx.HTTPError as exc:
                    page_errors.append(f"{path}: {type(exc).__name__}")
                    continue
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    page_errors.append(f"{path}: HTTP {status}")
                time.sleep(0.05)

    def upload(path: Path):
        with httpx.Client(base_url=server.url, timeout=timeout, headers=server.headers) as c, open(path, "rb") as fh:
            return c.post("/api/jobs", files={"file": (path.name, fh, "audio/wav")})

    reader = threading.Thread(target=read_pages)
    reader.start()
    try:
        with ThreadPoolExecutor(len(files)) as pool:
            responses = list(pool.map(upload, files))
        ids = [r.json()["id"] for r in responses if r.status_code == 201]
        jobs = [server.wait(i) for i in ids]
    finally:
        stop.set()
        reader.join()
    return {"responses": responses, "jobs": jobs, "latencies": sorted(latencies), "page_errors": page_errors}


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")
