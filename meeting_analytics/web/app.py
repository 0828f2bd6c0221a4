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
import secrets
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import (FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse,
                                 Response, StreamingResponse)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..audio import AudioError, probe
from ..errors import ServeError, UploadBusy, UploadNoSpace, UsageError
from ..files import data_home, private_umask
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
MAX_UPLOADS = 32
MIN_FREE = 1 * 2**30


@dataclass
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_upload: int = 2 * 2**30
    token: str | None = None
    options: PipelineOptions | None = None
    allowed_hosts: tuple[str, ...] = ()   # Host names answered beyond the loopback names and --host
    max_uploads: int = MAX_UPLOADS        # uploads received at once; more are a 429
    min_free: int = MIN_FREE              # bytes of disk left free after an upload; less is a 507


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
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY_HEADERS = {b"x-content-type-options": b"nosniff", b"referrer-policy": b"no-referrer",
                    b"content-security-policy": PAGE_CSP.encode(), b"x-frame-options": b"SAMEORIGIN"}


def allowed_hosts(host: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The ``Host`` headers answered: the loopback names and the address listened on (a DNS-rebinding page
    names its own host, refused); every name when listening on all addresses (the token guards it then)."""
    if host in ("0.0.0.0", "::", "") or "*" in extra:
        return ["*"]
    bound = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return list(dict.fromkeys([*LOOPBACK_NAMES, bound.lower(), *(e.lower() for e in extra)]))


def same_token(given: str, token: str) -> bool:
    """Compared as bytes in constant time (a str with non-ASCII characters cannot be compared so)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), token.encode("utf-8", "surrogatepass"))


def same_origin(request: Request) -> bool:
    """Whether a state-changing request comes from this server's own pages (or from no page at all: a
    program such as curl sends neither header). A page of another origin, another port of the same host
    included (cookies do not tell ports apart), is refused: browsers say where a request comes from in
    ``Sec-Fetch-Site``, older ones in ``Origin``."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


class SecurityHeaders:
    """Security headers on every response, the refusals (400, 401, 403, 413, 429) included."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive_, send):
        if scope["type"] != "http":
            return await self.app(scope, receive_, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS.items() if k not in names]
            await send(message)

        return await self.app(scope, receive_, send_with_headers)


class Guard:
    """A state-changing request from another origin is refused (403); with a token, every request must
    carry it (``Authorization: Bearer``, or the cookie set by opening any page once with ``?token=``,
    named by the port: two servers on one host keep their own)."""

    def __init__(self, app, token: str | None, cookie: str = "ma_token"):
        self.app, self.token, self.cookie = app, token, cookie

    async def __call__(self, scope, receive_, send):
        if scope["type"] != "http":
            return await self.app(scope, receive_, send)
        request = Request(scope)
        if request.method in UNSAFE_METHODS and not same_origin(request):
            return await PlainTextResponse("cross-origin request refused (only this server's own pages may change "
                                           "jobs)", status_code=403)(scope, receive_, send)
        if self.token and not self._allowed(request):
            given = request.query_params.get("token")
            if given and request.method in ("GET", "HEAD") and same_token(given, self.token):
                response = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
                response.set_cookie(self.cookie, given, httponly=True, samesite="strict")
                return await response(scope, receive_, send)
            return await PlainTextResponse("a token is required (Authorization: Bearer, or open the URL the server "
                                           "printed, with ?token=)", status_code=401)(scope, receive_, send)
        return await self.app(scope, receive_, send)

    def _allowed(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        given = auth[7:] if auth.lower().startswith("bearer ") else request.cookies.get(self.cookie, "")
        return bool(given) and self.token is not None and same_token(given, self.token)


class Handlers:
    """The routes' handlers over one ``JobManager``: pages for people, ``/api`` for programs."""

    def __init__(self, settings: Settings, manager: JobManager):
        self.settings, self.manager = settings, manager
        self.in_flight = 0  # uploads being received (the event loop's thread alone counts them)

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
        """Stream the upload to disk, check it, queue it; UploadError/UsageError (a 400) when it cannot be a job,
        UploadBusy (429) with too many uploads in flight, UploadNoSpace (507) when the disk would fill."""
        limit = self.settings.max_upload
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit + 2**20:  # refused before reading it
            raise UploadTooLarge(f"upload larger than the limit of {limit / 2**20:.0f} MiB")
        if self.in_flight >= self.settings.max_uploads:
            raise UploadBusy(f"{self.in_flight} uploads in progress, the most this server takes at once; "
                             "try again when one has finished")
        self._check_space(int(length) if length.isdigit() else limit)
        self.in_flight += 1
        try:
            return await self._create_job(request, limit)
        finally:
            self.in_flight -= 1

    def _check_space(self, size: int) -> None:
        free = shutil.disk_usage(self.manager.dir).free
        if free - size < self.settings.min_free:
            raise UploadNoSpace(f"not enough free disk space for this upload ({free / 2**20:.0f} MiB free, "
                                f"{self.settings.min_free / 2**20:.0f} MiB kept free)")

    async def _create_job(self, request: Request, limit: int) -> dict:
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

    middleware = [Middleware(SecurityHeaders),  # outermost: the refusals below carry the headers too
                  Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings.host, settings.allowed_hosts),
                             www_redirect=False),
                  Middleware(Guard, token=settings.token, cookie=f"ma_token_{settings.port}")]
    app = Starlette(routes=Handlers(settings, manager).routes(), lifespan=lifespan, middleware=middleware)
    app.state.manager = manager
    return app


def _missing(text: str = "no such job") -> Response:
    return JSONResponse({"error": text}, status_code=404)


def resolve_token(settings: Settings, no_token: bool = False) -> bool:
    """``settings.token``: the one given, else ``$MEETING_ANALYTICS_TOKEN``, else a random one (True: made
    here, to be printed in the start URL as Jupyter does); none with ``no_token``, on loopback only."""
    if no_token:
        if not is_loopback(settings.host):
            raise ServeError(f"refusing to listen on {settings.host} without a token: anyone who can reach it could "
                             f"read and delete every recording; drop --no_token (a token is made) or set ${TOKEN_ENV}")
        settings.token = None
        return False
    settings.token = settings.token or os.environ.get(TOKEN_ENV) or None
    if settings.token:
        return False
    settings.token = secrets.token_urlsafe(24)
    return True


def start_url(settings: Settings, made: bool) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else "[::1]" if settings.host == "::" else \
        f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{host}:{settings.port}/"
    if settings.token:
        url += f"?token={settings.token}" if made else f"?token=... (the token in ${TOKEN_ENV} or --token)"
    return url


def serve(settings: Settings, log=print, no_token: bool = False) -> None:
    """Run the app on uvicorn until interrupted. A token guards it unless ``no_token`` (loopback only)."""
    import uvicorn

    made = resolve_token(settings, no_token)
    private_umask()  # the server's files (uploads, transcripts, the job table) are its user's alone
    app = create_app(settings, log)
    log(f"serving on http://{settings.host}:{settings.port}/ (data in {settings.data_dir}; Ctrl+C stops)")
    log(f"open {start_url(settings, made)}")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
