"""Issue #33: the web app and the inputs against a hostile page, a crafted upload and a shared machine.

Against a real ``meeting-analytics serve`` on 127.0.0.1 (loopback only), a real headless Chromium for the
pages of another origin, the real ffmpeg for the playlists, a real Ray for the stale cluster file. Every
loop is bounded; no test reaches beyond this machine.
"""

from __future__ import annotations

import dataclasses

import http.server
import io
import json
import os
import pickle
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from helpers import DATA
from webtools import Server, chromium, free_port, make_clips

from meeting_analytics.report.browser import find_browser

CALL, JFK = DATA / "call" / "sample.wav", DATA / "speech" / "jfk.flac"
SAVED = Path(__file__).parent / "data" / "written_0.1_call.json"
needs_browser = pytest.mark.skipif(find_browser() is None, reason="no headless Chromium (make setup installs it)")


def cli(*args: str, cwd: Path | None = None, timeout: float = 300, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "meeting_analytics", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, HF_HUB_OFFLINE="1", **(env or {})))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("secure") / "data")
    yield s
    s.stop()


def _ids(server: Server) -> set[str]:
    return {j["id"] for j in server.client.get("/api/jobs").json()}


def _failed_job(server: Server, tmp_path: Path, name: str = "memo.wav") -> dict:
    (tmp_path / name).write_text("not audio at all\n")
    response = server.upload(tmp_path / name)
    assert response.status_code == 201, response.text
    return server.wait(response.json()["id"], timeout=60)


def _has_security_headers(response: httpx.Response) -> bool:
    return response.headers.get("x-content-type-options") == "nosniff" and \
        "default-src" in response.headers.get("content-security-policy", "")


# -- 1. who may talk to the server ---------------------------------------------------------------------

@pytest.mark.models
def test_a_foreign_host_is_refused_even_with_the_token(server, tmp_path):
    """DNS rebinding: a page of rebind.attacker.example resolving to 127.0.0.1 names its own Host."""
    job = _failed_job(server, tmp_path)
    foreign = {"Host": f"rebind.attacker.example:{server.port}"}
    for method, path in (("GET", "/api/jobs"), ("GET", f"/api/jobs/{job['id']}"), ("DELETE", f"/api/jobs/{job['id']}")):
        r = server.client.request(method, path, headers=foreign)
        assert r.status_code == 400 and _has_security_headers(r), (method, path, r.status_code)
    assert job["id"] in _ids(server)  # the DELETE did nothing
    for host in ("127.0.0.1", "localhost"):
        assert server.client.get("/api/jobs", headers={"Host": f"{host}:{server.port}"}).status_code == 200


@pytest.mark.models
def test_a_request_without_the_token_is_401_with_the_headers_and_a_non_ascii_token_is_no_500(server):
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        for path in ("/", "/api/jobs", "/jobs"):
            r = anonymous.get(path)
            assert r.status_code == 401 and _has_security_headers(r), (path, r.status_code)
        assert anonymous.get("/", params={"token": "é-ünïcode"}).status_code == 401  # compared as bytes
        assert anonymous.get("/api/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert anonymous.post("/api/jobs", files={"file": ("a.wav", b"x")}).status_code == 401


class _AttackerSite:
    """Another origin on this host (another port of 127.0.0.1): its page posts to the server."""

    def __init__(self, page: str):
        body = page.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.models
@needs_browser
def test_a_page_of_another_origin_cannot_create_or_delete_jobs(server, tmp_path):
    """The victim opened the server's URL (the cookie is set); a page on another port of the same host
    (same site: SameSite cookies go along) posts a recording and the delete form. Nothing changes; the
    server's own page still creates a job."""
    victim = _failed_job(server, tmp_path, "victim.wav")
    before = _ids(server)
    attack = f"""<!doctype html><form id="del" method="post" action="{server.url}/jobs/{victim['id']}/delete"></form>
<script>
window.results = [];
const data = new FormData();
data.append('file', new Blob(['RIFF not really a wav'], {{type: 'audio/wav'}}), 'csrf.wav');
fetch('{server.url}/api/jobs', {{method: 'POST', mode: 'no-cors', credentials: 'include', body: data}})
  .then(() => window.results.push('post sent'), e => window.results.push('post ' + e));
fetch('{server.url}/api/jobs/{victim['id']}', {{method: 'DELETE', credentials: 'include'}})
  .then(() => window.results.push('delete sent'), e => window.results.push('delete ' + e));
</script>"""
    site = _AttackerSite(attack)
    try:
        with chromium() as page:
            page.send("Page.navigate", url=server.open_url)  # the user's start: the token URL, then the app
            page.until(f"location.href === {json.dumps(server.url + '/')} && document.readyState === 'complete'")
            page.open(site.url)
            page.until("window.results && window.results.length === 2", timeout=30)
            page.evaluate("document.getElementById('del').submit()")  # a form: no CORS preflight to stop it
            page.until(f"!location.href.startsWith({json.dumps(site.url)}) && document.readyState === 'complete'")
            assert "cross-origin request refused" in page.evaluate("document.body.innerText")
            time.sleep(1.0)
            assert _ids(server) == before, "a page of another origin changed the jobs"
            # the server's own page may: same origin, the cookie from the start URL
            page.open(server.url + "/jobs")
            status = page.evaluate("""(async () => { const d = new FormData();
                d.append('file', new Blob(['not audio'], {type: 'audio/wav'}), 'own.wav');
                return (await fetch('/api/jobs', {method: 'POST', body: d})).status; })()""")
            assert status == 201
    finally:
        site.close()
    assert len(_ids(server) - before) == 1


@pytest.mark.models
@needs_browser
def test_the_printed_url_opens_the_app_and_beyond_loopback_needs_a_token(tmp_path):
    """The README's quick start: `serve`, then open the URL it printed (with its random token)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "MEETING_ANALYTICS_TOKEN"}
    proc = subprocess.Popen([sys.executable, "-m", "meeting_analytics", "serve", "--port", str(port), "--data_dir",
                             str(tmp_path / "data")], stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stderr.readline() for _ in range(2)), daemon=True)
        reader.start()
        reader.join(60)  # bounded: a server that prints no URL fails here
        url = next((line.split("open ", 1)[1].strip() for line in lines if line.startswith("open ")), None)
        assert url, lines
        assert url.startswith(f"http://127.0.0.1:{port}/?token=") and len(url.split("=", 1)[1]) >= 24
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 401:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        with chromium() as page:
            page.send("Page.navigate", url=url)
            page.until(f"location.href === 'http://127.0.0.1:{port}/' && !!document.querySelector('label[for=f-file]')")
            assert page.evaluate("document.querySelector('label[for=f-file]').textContent") == "Recording"
    finally:
        os.killpg(proc.pid, 9)
        proc.wait(30)
    refused = cli("serve", "--host", "0.0.0.0", "--port", str(free_port()), "--no_token", "--data_dir",
                  str(tmp_path / "d2"), timeout=60)
    assert refused.returncode == 1 and "refusing to listen on 0.0.0.0 without a token" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


# -- 2. only audio is decoded --------------------------------------------------------------------------

def _playlists(directory: Path) -> dict[str, bytes]:
    """HLS playlists whose segments are a file of the server's (absolute, file:, concat:, relative), an
    extension-less one, and an ffconcat script: each would make ffmpeg read that file."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "secret.flac").write_bytes(JFK.read_bytes())

    def hls(segment: str) -> bytes:
        return f"#EXTM3U\n#EXT-X-TARGETDURATION:11\n#EXTINF:11,\n{segment}\n#EXT-X-ENDLIST\n".encode()

    files = {"innocent.wav": hls(str(JFK)), "file-url.mp3": hls(f"file:{JFK}"),
             "concat.flac": hls(f"concat:{JFK}|{JFK}"), "relative.m4a": hls("secret.flac"),
             "noextension": hls(str(JFK)),
             "list.ogg": f"ffconcat version 1.0\nfile {JFK}\n".encode()}
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return files


def test_playlists_are_not_audio_for_transcribe_and_batch(tmp_path):
    files = _playlists(tmp_path / "in")
    for name in files:
        done = cli("transcribe", name, "-o", str(tmp_path / "out"), "-q", cwd=tmp_path / "in")
        kind = "concat script" if name == "list.ogg" else "HLS playlist"
        expected = f"meeting-analytics: error: {name}: not an audio format ({kind})"
        assert done.returncode == 1 and done.stderr.strip() == expected, (name, done.stderr[-500:])
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    batch = cli("batch", *files, "-o", str(tmp_path / "batch"), "-q", cwd=tmp_path / "in")
    assert batch.returncode == 1, batch.stderr[-500:]
    with sqlite3.connect(tmp_path / "batch" / "manifest.sqlite") as db:
        rows = dict(db.execute("SELECT path, error FROM files").fetchall())
    assert len(rows) == len(files) and all("not an audio format" in e for e in rows.values()), rows
    assert not list((tmp_path / "batch" / "results").glob("*"))


@pytest.mark.models
def test_playlists_are_not_audio_for_serve_and_leave_no_upload(server, tmp_path):
    for name in _playlists(tmp_path / "in"):
        job = server.wait(server.upload(tmp_path / "in" / name).json()["id"], timeout=60)
        kind = "concat script" if name == "list.ogg" else "HLS playlist"
        assert job["status"] == "failed" and job["error"] == f"{name}: not an audio format ({kind})", job
        assert job["duration"] is None and not (server.data_dir / "uploads" / job["id"]).exists()


# -- 3. delete, malformed bodies -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_jobs(server, tmp_path_factory):
    """One short clip uploaded twice: the second reuses the first's result."""
    clip = make_clips(CALL, tmp_path_factory.mktemp("clips"), count=1, seconds=6.0, start=2.0)[0]
    first = server.wait(server.upload(clip, "first.wav").json()["id"])
    second = server.wait(server.upload(clip, "copy.wav").json()["id"])
    assert first["status"] == "done" and second["status"] == "done" and second["reused"], (first, second)
    return first, second


def _files_rows(server: Server) -> list[tuple]:
    with sqlite3.connect(server.data_dir / "manifest.sqlite") as db:
        return db.execute("SELECT path, key FROM files").fetchall()


def _raw_post(server: Server, body: bytes, boundary: str) -> tuple[int, str]:
    r = server.client.post("/api/jobs", content=body,
                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    return r.status_code, r.text


@pytest.mark.models
def test_malformed_bodies_and_absurd_counts_are_400_with_no_orphan_file(server):
    uploads = server.data_dir / "uploads"
    before = set(os.listdir(uploads))
    long = "b" * 300
    part = 'Content-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n'
    status, text = _raw_post(server, f"--{long}\r\n{part}RIFF\r\n--{long}--\r\n".encode(), long)
    assert status == 400 and "malformed multipart body" in text, text
    status, text = _raw_post(server, f"--abc\r\n{part}RIFF and then nothing".encode(), "abc")
    assert status == 400 and "no final boundary" in text, text
    count = 'Content-Disposition: form-data; name="num_speakers"\r\n\r\n1' + "0" * 400
    status, text = _raw_post(server, f"--abc\r\n{count}\r\n--abc\r\n{part}RIFF\r\n--abc--\r\n".encode(), "abc")
    assert status == 400 and "Number of speakers (num_speakers): must be at most 100" in text, text
    assert set(os.listdir(uploads)) == before


# -- 4. formula injection ------------------------------------------------------------------------------

def test_formula_cells_are_escaped_in_every_csv_and_xlsx(tmp_path):
    import openpyxl
    import pandas as pd

    names = "=1+2,@SUM(A1)"
    done = cli("analyze", str(SAVED), "-o", str(tmp_path / "a"), "-q", "--names", names)
    assert done.returncode == 0, done.stderr
    stem = SAVED.stem
    report = cli("report", str(tmp_path / "a" / f"{stem}_analytics"), "-o", str(tmp_path / "r"), "-f", "csv,xlsx")
    assert report.returncode == 0, report.stderr
    csvs = [*(tmp_path / "a" / f"{stem}_analytics").glob("*.csv"), *(tmp_path / "r").rglob("*.csv")]
    assert csvs
    for path in csvs:
        raw = path.read_text()
        for line in raw.splitlines():
            for cell in line.split(","):
                assert not cell.startswith(("=", "@", "+")), (path.name, line)
    speakers = pd.read_csv(tmp_path / "a" / f"{stem}_analytics" / "speakers.csv")
    assert set(speakers["speaker"]) == {"'=1+2", "'@SUM(A1)"}
    assert pd.api.types.is_numeric_dtype(speakers["talk_time"])  # numbers stay numbers
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "r" / f"{stem}.xlsx").read_bytes()))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    header = [c.value for c in book["speakers"][1]]
    column = header.index("talk_time") + 1
    assert all(isinstance(book["speakers"].cell(r, column).value, (int, float)) for r in range(2, 4))
    from meeting_analytics.analytics.meeting import MeetingReport

    for parquet in (tmp_path / "a" / f"{stem}_analytics").glob("*.parquet"):
        parquet.unlink()  # read back from the CSVs alone: the names as given
    assert set(MeetingReport.load(tmp_path / "a" / f"{stem}_analytics").speakers["speaker"]) == {"=1+2", "@SUM(A1)"}
    # the TSV transcript is a table too: names and text that read as a formula are escaped
    from meeting_analytics.report.writers import to_tsv
    from meeting_analytics.transcript import Transcript

    named = Transcript.load(tmp_path / "a" / f"{stem}_analytics" / "transcript.json")
    named.utterances[0] = dataclasses.replace(named.utterances[0], text="=cmd|' /C calc'!A0")
    rows = [line.split("\t") for line in to_tsv(named).splitlines()[1:]]
    assert rows and {r[2] for r in rows} == {"'=1+2", "'@SUM(A1)"}
    assert rows[0][3] == "'=cmd|' /C calc'!A0"
    assert not any(cell.startswith(("=", "@", "+", "-")) for r in rows for cell in r[2:])


# -- 5, 6. permissions, what a download shows ------------------------------------------------------------

def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.models
def test_the_servers_data_is_private_from_the_first_byte(server, two_jobs):
    data = server.data_dir
    for d in (data, data / "uploads", data / "results", data / "jobs"):
        assert _mode(d) == 0o700, d
    assert _mode(data / "manifest.sqlite") == 0o600
    for path in [*(data / "jobs").rglob("*"), *(data / "results").rglob("*"), *(data / "uploads").iterdir()]:
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path
    # an upload still arriving is private already
    before = set(os.listdir(data / "uploads"))
    boundary = "x" * 16
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.wav\"\r\n\r\n").encode()
    body_size = len(head) + 200_000 + len(f"\r\n--{boundary}--\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall((f"POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAuthorization: Bearer {server.token}"
                   f"\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {body_size}\r\n\r\n"
                   ).encode() + head + b"\0" * 100_000)
        arriving: list[Path] = []
        for _ in range(100):
            arriving = [data / "uploads" / n for n in set(os.listdir(data / "uploads")) - before]
            if arriving:
                break
            time.sleep(0.05)
        assert arriving and _mode(arriving[0]) == 0o600
        s.sendall(b"\0" * 100_000 + f"\r\n--{boundary}--\r\n".encode())
        assert b" 201 " in s.recv(4096).split(b"\r\n")[0] + b" "


def test_voice_profiles_are_private(tmp_path):
    from meeting_analytics.stages.voices import VoiceProfile, VoiceProfiles

    store = VoiceProfiles(tmp_path / "voices", must_exist=False)
    path = store.save(VoiceProfile("Ann", [0.1] * 4, 12.0))
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700


@pytest.mark.models
def test_downloads_name_the_upload_not_the_servers_paths(server, two_jobs):
    _, second = two_jobs  # its result was computed for the first job's upload
    base = f"/api/jobs/{second['id']}/files/copy"
    leaks = (str(server.data_dir), "uploads/", two_jobs[0]["id"], sys.prefix)
    metadata = server.client.get(f"{base}.json").json()["metadata"]
    assert metadata["source"] == "copy.wav"
    assert all("path" not in (m or {}) for m in (metadata["models"]["asr"], metadata["models"]["diarization"]))
    texts = [server.client.get(f"{base}{ext}").text for ext in (".json", ".txt", ".srt", "_speakers.csv")]
    with zipfile.ZipFile(io.BytesIO(server.client.get(f"{base}.xlsx").content)) as xlsx:
        texts += [xlsx.read(n).decode("utf-8", "replace") for n in xlsx.namelist()]
    texts.append(server.client.get(f"/api/jobs/{second['id']}/report").text)
    for text in texts:
        assert not any(leak in text for leak in leaks), [leak for leak in leaks if leak in text]


# -- 7. disk ---------------------------------------------------------------------------------------------

@pytest.mark.models
def test_uploads_in_flight_and_free_disk_are_limited(tmp_path):
    free_mib = __import__("shutil").disk_usage(tmp_path).free // 2**20
    s = Server(tmp_path / "data", "--max_uploads", "1", "--min_free_mb", str(max(free_mib - 500, 0)))
    try:
        boundary = "y" * 16
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", s.port), timeout=30) as held:  # one upload, still arriving
            held.sendall((f"POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\nAuthorization: Bearer {s.token}\r\n"
                          f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 100000\r\n\r\n"
                          ).encode() + head + b"\0" * 1000)
            for _ in range(100):
                if any((s.data_dir / "uploads").iterdir()):
                    break
                time.sleep(0.05)
            busy = s.upload(CALL)
            assert busy.status_code == 429 and "uploads in progress" in busy.json()["error"]
            assert busy.headers["x-content-type-options"] == "nosniff"
        time.sleep(0.5)
        with socket.create_connection(("127.0.0.1", s.port), timeout=30) as big:  # 2000 MiB announced
            big.sendall((f"POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\nAuthorization: Bearer {s.token}\r\n"
                         f"Content-Type: multipart/form-data; boundary=z\r\nContent-Length: {2000 * 2**20}\r\n\r\n"
                         ).encode())
            answer = ""
            for _ in range(20):  # headers, then the body
                answer += big.recv(65536).decode("latin-1")
                if answer.endswith("}"):
                    break
        assert answer.startswith("HTTP/1.1 507 ") and "not enough free disk space" in answer, answer
    finally:
        s.stop()
    assert not any((tmp_path / "data" / "uploads").iterdir())


# -- 8. checkpoints are data ------------------------------------------------------------------------------

class _Payload:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))  # unpickling it would create the marker file


@pytest.mark.models
def test_a_crafted_checkpoint_runs_no_code_and_the_shipped_one_loads(tmp_path):
    from meeting_analytics.stages.embedding import ResemblyzerEmbedding

    assert ResemblyzerEmbedding().checkpoint.endswith(".pt")  # the shipped GE2E weights, weights_only=True
    evil, marker = tmp_path / "evil.pt", tmp_path / "pwned"
    evil.write_bytes(pickle.dumps({"model_state": _Payload(str(marker))}))
    with pytest.raises(Exception, match="(?i)weights_only|unpickl"):
        ResemblyzerEmbedding(checkpoint=evil)
    assert not marker.exists()


# -- 9, 11. Ray: a private local cluster, no token for nothing ---------------------------------------------

def test_a_stale_ray_cluster_file_is_ignored_and_no_unused_token_travels(tmp_path):
    ray = pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")
    from meeting_analytics.batch.executors import run_ray
    from meeting_analytics.batch.worker import Job
    from meeting_analytics.options import PipelineOptions

    import ray_standin

    dead = free_port()  # an earlier `ray start`, killed: its file names a cluster nobody runs
    stale = Path(os.environ["RAY_TMPDIR"]) / "ray" / "ray_current_cluster"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text(f"127.0.0.1:{dead}")
    (tmp_path / "a.wav").write_bytes(b"a" * 100)
    options = PipelineOptions(hf_token="hf_secret_never_needed")
    jobs = [Job(str(tmp_path / "a.wav"), "k-a", str(tmp_path / "out"), options)]
    ray.cloudpickle.register_pickle_by_value(ray_standin)
    try:
        outcomes = list(run_ray(jobs, options, 1, actor_class=ray_standin.TokenEcho))
    finally:
        ray.shutdown()
        stale.unlink(missing_ok=True)
    assert [o.status for o in outcomes] == ["done"], outcomes
    assert json.loads(outcomes[0].worker) == {"actor": None, "job": None}  # no token reached the actor


def test_an_unreachable_ray_cluster_is_one_line_naming_it(tmp_path):
    pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.wav").write_bytes(CALL.read_bytes())
    address = f"127.0.0.1:{free_port()}"
    done = cli("batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--executor", "ray", "--ray_address",
               address, "-q", timeout=120)
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        f"meeting-analytics: error: --ray_address {address}: no Ray cluster answers (Connection refused)"]


# -- 10. outputs ---------------------------------------------------------------------------------------

def test_a_symlinked_sub_directory_of_the_output_is_not_followed(tmp_path):
    elsewhere, out = tmp_path / "elsewhere", tmp_path / "out"
    elsewhere.mkdir()
    out.mkdir()
    (out / f"{SAVED.stem}_analytics").symlink_to(elsewhere)
    done = cli("analyze", str(SAVED), "-o", str(out), "-q")
    assert done.returncode == 1 and "is a symbolic link; not followed" in done.stderr, done.stderr
    assert not any(elsewhere.iterdir())


@needs_browser
def test_the_screenshots_temporary_file_is_not_a_name_to_guess(tmp_path):
    from meeting_analytics.report.browser import screenshot

    page, victim = tmp_path / "page.html", tmp_path / "victim.txt"
    page.write_text("<!doctype html><p>hello</p>")
    victim.write_text("keep me")
    target = tmp_path / "shot.png"
    guessed = target.with_name(f".{target.name}.{os.getpid()}.png")  # the name an older version used
    guessed.symlink_to(victim)
    screenshot(page, target, max_height=400, timeout=60)
    assert victim.read_text() == "keep me" and target.read_bytes()[:4] == b"\x89PNG"


# -- 3. delete (last: it deletes the jobs the tests above read) ---------------------------------------

@pytest.mark.models
def test_delete_leaves_nothing_of_the_job_unless_another_shares_its_result(server, two_jobs, tmp_path):
    first, second = two_jobs
    results = server.data_dir / "results"
    keys = {k for _, k in _files_rows(server)}
    assert len([d for d in results.iterdir() if not d.name.startswith(".")]) >= 1
    assert server.client.delete(f"/api/jobs/{first['id']}").status_code == 204
    key = next(d.name for d in results.iterdir() if (d / "result.json").is_file() and d.name in keys)
    assert (results / key).is_dir()  # the second job still shows it
    assert server.client.get(f"/api/jobs/{second['id']}/files/copy.json").status_code == 200
    assert server.client.delete(f"/api/jobs/{second['id']}").status_code == 204
    for job in (first, second):
        assert not (server.data_dir / "uploads" / job["id"]).exists()
        assert not (server.data_dir / "jobs" / job["id"]).exists()
    assert not (results / key).exists()
    assert all(k != key and first["id"] not in p and second["id"] not in p for p, k in _files_rows(server))
    failed = _failed_job(server, tmp_path)
    assert not (server.data_dir / "uploads" / failed["id"]).exists()  # a failed job keeps no recording
