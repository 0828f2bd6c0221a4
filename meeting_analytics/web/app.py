"""The web app: Starlette routes on uvicorn, in front of ``jobs.JobManager``.

Starlette because it is the small ASGI toolkit FastAPI is built on: streamed request bodies (uploads
go to disk as they arrive), streamed responses (server-sent events), background threads for the few
blocking calls, and no validation layer this app would not use. Handlers never wait on a model:
ffprobe and hashing run in threads, transcription in worker processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse,
                                 Response, StreamingResponse)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..audio import AudioError, probe
from ..errors import ServeError, UsageError
from ..files import data_home
from ..options import PipelineOptions
from . import pages
from .jobs import JobManager, new_id
from .worker import named
from .uploads import UploadError, UploadTooLarge, display_name, receive, safe_stem

STATIC = Path(__file__).parent / "static"
TOKEN_ENV = "MEETING_ANALYTICS_TOKEN"
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
            "frame-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'")
REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'"
EVENT_EVERY = 0.5


@dataclass
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_upload: int = 2 * 2**30
    token: str | None = None
    options: PipelineOptions | None = None


def default_data_dir() -> Path:
    return data_home("web")


def check_address(host: str, port: int) -> None:
    """One line now rather than a server that cannot start: the port taken, the address not ours."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(infos[0][4])
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Guard:
    """Security headers on every response; with a token, every request must carry it (``Authorization:
    Bearer``, or the cookie set by opening any page once with ``?token=``)."""

    def __init__(self, app, token: str | None):
        self.app, self.token = app, token

    async def __call__(self, scope, receive_, send):
        if scope["type"] != "http":
            return await self.app(scope, receive_, send)
        request = Request(scope)
        if self.token and not self._allowed(request):
            given = request.query_params.get("token")
            if given and hmac.compare_digest(given, self.token):
                response = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
                response.set_cookie("ma_token", given, httponly=True, samesite="strict")
                return await response(scope, receive_, send)
            return await PlainTextResponse("a token is required (Authorization: Bearer, or ?token= once)",
                                           status_code=401)(scope, receive_, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                names = {k.lower() for k, _ in headers}
                extra = {b"x-content-type-options": b"nosniff", b"referrer-policy": b"no-referrer",
                         b"content-security-policy": PAGE_CSP.encode(), b"x-frame-options": b"SAMEORIGIN"}
                headers += [(k, v) for k, v in extra.items() if k not in names]
            await send(message)

        return await self.app(scope, receive_, send_with_headers)

    def _allowed(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        given = auth[7:] if auth.lower().startswith("bearer ") else request.cookies.get("ma_token", "")
        return bool(given) and self.token is not None and hmac.compare_digest(given, self.token)


class Handlers:
    """The routes' handlers over one ``JobManager``: pages for people, ``/api`` for programs."""

    def __init__(self, settings: Settings, manager: JobManager):
        self.settings, self.manager = settings, manager

    def routes(self) -> list:
        return [
            Route("/", self.start_page), Route("/jobs", self.jobs_page),
            Route("/jobs", self.form_create, methods=["POST"]), Route("/jobs/{id}", self.job_page),
            Route("/jobs/{id}/delete", self.form_delete, methods=["POST"]),
            Route("/api/jobs", self.api_list), Route("/api/jobs", self.api_create, methods=["POST"]),
            Route("/api/jobs/{id}", self.api_job), Route("/api/jobs/{id}", self.api_delete, methods=["DELETE"]),
            Route("/api/jobs/{id}/report", self.api_report), Route("/api/jobs/{id}/events", self.api_events),
            Route("/api/jobs/{id}/files/{name}", self.api_file),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]

    def found(self, request: Request) -> dict | None:
        return self.manager.job(request.path_params["id"])

    async def create_job(self, request: Request) -> dict:
        """Stream the upload to disk, check it, queue it; UploadError/UsageError (a 400) when it cannot be a job."""
        limit = self.settings.max_upload
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit + 2**20:  # refused before reading it
            raise UploadTooLarge(f"upload larger than the limit of {limit / 2**20:.0f} MiB")
        job_id = new_id()
        target = self.manager.dir / "uploads" / job_id
        upload = await receive(request.headers.get("content-type", ""), request.stream(), target, limit)
        try:
            options, names = pages.options_from_fields(upload.fields, self.settings.options)
        except UsageError:
            target.unlink(missing_ok=True)
            raise
        name = display_name(upload.filename)
        duration, error = None, None
        try:
            duration = (await run_in_threadpool(probe, target, name)).duration  # read as the CLI reads `name`
        except AudioError as exc:
            error = named(str(exc), target, name)
        return await run_in_threadpool(self.manager.create, job_id, name, safe_stem(name), upload.size, upload.sha256,
                                       options, names, duration, error)

    # -- pages ---------------------------------------------------------------------------------

    async def start_page(self, request: Request) -> Response:
        jobs = await run_in_threadpool(self.manager.jobs)
        return HTMLResponse(pages.start_page(self.settings.max_upload, jobs, self.settings.options))

    async def jobs_page(self, request: Request) -> Response:
        return HTMLResponse(pages.jobs_page(await run_in_threadpool(self.manager.jobs)))

    async def job_page(self, request: Request) -> Response:
        job = self.found(request)
        if not job:
            return HTMLResponse(pages.message_page("No such job", "it was deleted, or never existed"), status_code=404)
        return HTMLResponse(pages.job_page(job, self.manager.files(job["id"])))

    async def form_create(self, request: Request) -> Response:
        try:
            row = await self.create_job(request)
        except (UploadError, UsageError) as exc:
            return HTMLResponse(pages.message_page("Upload refused", str(exc)), status_code=getattr(exc, "status", 400))
        return RedirectResponse(f"/jobs/{row['id']}", status_code=303)

    async def form_delete(self, request: Request) -> Response:
        await run_in_threadpool(self.manager.delete, request.path_params["id"])
        return RedirectResponse("/jobs", status_code=303)

    # -- API -----------------------------------------------------------------------------------

    async def api_create(self, request: Request) -> Response:
        try:
            row = await self.create_job(request)
        except (UploadError, UsageError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=getattr(exc, "status", 400))
        return JSONResponse({"id": row["id"], "status": row["status"]}, status_code=201,
                            headers={"Location": f"/api/jobs/{row['id']}"})

    async def api_list(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(self.manager.jobs))

    async def api_job(self, request: Request) -> Response:
        job = self.found(request)
        return JSONResponse(job) if job else _missing()

    async def api_delete(self, request: Request) -> Response:
        deleted = await run_in_threadpool(self.manager.delete, request.path_params["id"])
        return Response(status_code=204) if deleted else _missing()

    async def api_report(self, request: Request) -> Response:
        job = self.found(request)
        path = self.manager.dir / "jobs" / request.path_params["id"] / "report.html"
        if not job or job["status"] != "done" or not path.is_file():
            return _missing("no report (the job is not done)")
        return FileResponse(path, media_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": REPORT_CSP})

    async def api_file(self, request: Request) -> Response:
        job_id, name = request.path_params["id"], request.path_params["name"]
        if not self.found(request) or name not in self.manager.files(job_id):  # only names this server wrote
            return _missing("no such file")
        return FileResponse(self.manager.dir / "jobs" / job_id / name, filename=name,
                            headers={"Content-Security-Policy": REPORT_CSP})

    async def api_events(self, request: Request) -> Response:
        if not self.found(request):
            return _missing()
        return StreamingResponse(self._events(request.path_params["id"]), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    async def _events(self, job_id: str):
        """The job's state each time it changes (a comment every 15 s keeps proxies from closing)."""
        last, quiet = None, 0.0
        while (job := self.manager.job(job_id)) is not None:
            state = json.dumps(job, default=str)
            if state != last:
                last, quiet = state, 0.0
                yield pages.event(job)
            elif quiet >= 15:
                quiet = 0.0
                yield ": keep-alive\n\n"
            if job["status"] in ("done", "failed"):
                return
            await asyncio.sleep(EVENT_EVERY)
            quiet += EVENT_EVERY


def create_app(settings: Settings, log: Callable[[str], None] = print) -> Starlette:
    manager = JobManager(settings.data_dir, settings.workers, pages.server_defaults(settings.options), log)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        manager.start()
        try:
            yield
        finally:
            await run_in_threadpool(manager.close)

    app = Starlette(routes=Handlers(settings, manager).routes(), lifespan=lifespan,
                    middleware=[Middleware(Guard, token=settings.token)])
    app.state.manager = manager
    return app


def _missing(text: str = "no such job") -> Response:
    return JSONResponse({"error": text}, status_code=404)


def serve(settings: Settings, log=print) -> None:
    """Run the app on uvicorn until interrupted."""
    import uvicorn

    settings.token = settings.token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(settings.host) and not settings.token:
        log(f"warning: listening on {settings.host} with no authentication: anyone who can reach this port can "
            f"upload and read recordings; set --token or ${TOKEN_ENV}")
    app = create_app(settings, log)
    log(f"serving on http://{settings.host}:{settings.port}/ (data in {settings.data_dir}; Ctrl+C stops)")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
