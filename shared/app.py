"""What every service's process shares: Mongo, Kafka, the outbox relay, auth, errors, logging.

A service builds a ``Runtime`` from its settings, registers its event handlers and routes,
and gets a FastAPI app whose lifespan connects everything. Kafka being down at start-up does
not stop the API: the broker connects in the background and the relay catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, retry_if_exception_type, wait_exponential

import shared.events  # noqa: F401  (registers every payload type)
from shared import asyncapi, metrics, outbox, staged_outbox
from shared.auth import Auth, JWKSCache, TokenVerifier
from shared.broker import Consumer, make_broker, relay_publisher
from shared.envelope import Envelope, EventPayload
from shared.errors import Refused, status_of
from shared.events.accounts import SessionsRevoked
from shared.failures import StoreUnavailable, is_transient, which_dependency
from shared.handlers import Route, on
from shared.inbox import Inbox
from shared.logging import CORRELATION_HEADER, configure_logging, set_correlation_id
from shared.mongo import Doc, connect, database
from shared.revocations import Revocations
from shared.settings import ServiceSettings
from shared.staged_outbox import StagedOutbox
from shared.view_cache import ViewCache
from shared.web import text_guard
from shared.web.i18n import N_, request_lang
from shared.web.render import SHARED_STATIC, Web

log = structlog.get_logger(__name__)

_PATIENT = wait_exponential(multiplier=0.5, max=10)
"""Start-up waits for a store or broker that is down: 0.5 s, 1 s, 2 s ... at most 10 s, forever."""


def _waiting(event: str) -> Callable[[RetryCallState], None]:
    """A tenacity ``before_sleep`` that logs what start-up waits for and when it tries again."""
    def say(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(event, error=str(error)[:200], retry_in=round(state.upcoming_sleep, 2),
                    attempt=state.attempt_number)
    return say

RETRY_AFTER_S = 5
#: Starlette's own English phrases (unknown path, wrong method, ...) as Vietnamese msgids.
FRAMEWORK_PHRASES = {"Not Found": N_("Không tìm thấy trang."),
                     "Method Not Allowed": N_("Thao tác này không được hỗ trợ."),
                     "Unsupported Media Type": N_("Kiểu dữ liệu gửi lên không được hỗ trợ.")}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
MSG_CROSS_SITE = N_("Yêu cầu này đến từ một trang khác nên đã bị từ chối để bảo vệ tài khoản của bạn.")
HEALTH_PING_S = 2.0
MSG_UNAVAILABLE = N_("Hệ thống tạm thời không truy cập được dữ liệu. Vui lòng thử lại sau ít giây.")
MSG_FAILED = N_("Đã xảy ra lỗi ngoài dự kiến. Vui lòng thử lại; nếu vẫn lỗi, hãy báo cho Ban tổ chức mã tra cứu {ref}.")
MSG_INVALID = N_("Dữ liệu không hợp lệ.")
MSG_TOO_LARGE = N_("Dữ liệu gửi lên quá lớn.")

#: Pydantic's error types as Vietnamese msgids (English in the catalogue), filled with its context.
FIELD_MESSAGES = {
    "missing": N_("Trường này là bắt buộc."),
    "string_too_short": N_("Nội dung quá ngắn (tối thiểu {min_length} ký tự)."),
    "string_too_long": N_("Nội dung quá dài (tối đa {max_length} ký tự)."),
    "too_long": N_("Quá nhiều mục (tối đa {max_length})."),
    "greater_than_equal": N_("Giá trị phải lớn hơn hoặc bằng {ge}."),
    "less_than_equal": N_("Giá trị phải nhỏ hơn hoặc bằng {le}."),
    "greater_than": N_("Giá trị phải lớn hơn {gt}."),
    "less_than": N_("Giá trị phải nhỏ hơn {lt}."),
    "value_error": "{msg}",
}
FIELD_INVALID = N_("Giá trị không hợp lệ.")


def field_errors(exc: RequestValidationError, translate: Callable[[str], str]) -> dict[str, str]:
    """Pydantic's errors as ``{"field.path": message}``, each template (and a validator's own
    message) translated before it is filled."""
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        key = ".".join(loc) or "_"
        ctx = dict(err.get("ctx") or {})
        ctx["msg"] = translate(str(ctx.get("error", err.get("msg", ""))).removeprefix("Value error, "))
        template = translate(FIELD_MESSAGES.get(err.get("type", ""), FIELD_INVALID))
        try:
            out.setdefault(key, template.format(**ctx))
        except (KeyError, IndexError):
            out.setdefault(key, template)
    return out


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route of the app takes at ``path`` (RFC 9110's ``Allow``)."""
    methods: set[str] = set()
    for route in iter_route_contexts(app.routes):
        if route.methods and route.path and compile_path(route.path)[0].match(path):
            methods |= route.methods
    return sorted(methods)


def wants_html(request: Request) -> bool:
    return "/api/" not in request.url.path and "text/html" in request.headers.get("accept", "")


# No inline script runs (every script is a file of the site); inline style attributes remain allowed.
CSP = (b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       b"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       b"frame-ancestors 'none'")
SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"), (b"content-security-policy", CSP))


class RequestContext:
    """Correlation id, security headers, the relay's wake-up after writes and one log line per
    request, as plain ASGI (Starlette's ``BaseHTTPMiddleware`` costs a task and a stream per
    request, measurable in the deadline rush)."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(service=self.runtime.name)
        cid = set_correlation_id(headers.get(CORRELATION_HEADER) or headers.get("x-request-id"))
        start = time.perf_counter()
        status = 500
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                out = MutableHeaders(scope=message)
                out[CORRELATION_HEADER] = cid
                present = {k for k, _ in out.raw}
                out.raw.extend((k, v) for k, v in SECURITY_HEADERS if k not in present)
            await send(message)

        if scope["method"] not in SAFE_METHODS and not self.same_origin(scope, headers):
            log.warning("http.cross_site_refused", path=scope["path"], origin=headers.get("origin"),
                        referer=(headers.get("referer") or "")[:200])
            refusal = self.runtime.error_response(Request(scope), 403, MSG_CROSS_SITE, as_page=False)
            await refusal(scope, receive, send_with_headers)
            return
        if scope["method"] in ("POST", "PUT", "PATCH") and headers.get("content-type", "").startswith(
                "application/json"):
            refused, receive = await self._checked_json(scope, receive, headers)
            if refused is not None:
                await refused(scope, receive, send_with_headers)
                return
        path = scope["path"]
        try:
            # Health, metrics and the API documents answer before the store has (they never use it).
            needs_store = "/health" not in path and path != metrics.PATH and not path.endswith(
                ("/asyncapi.json", "/openapi.json", "/api/docs"))
            if not self.runtime.prepared.is_set() and needs_store:
                raise StoreUnavailable("the service is still starting: its store has not answered yet")
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if started:
                raise  # the body was cut short: only closing the connection can tell the client
            # Answered here, not re-raised: an exception leaving the app makes uvicorn close the
            # connection after the response, and nginx's next request on it (another user's) got a 502.
            response = self.runtime.failure_response(Request(scope), exc, cid)
            await response(scope, receive, send_with_headers)
        finally:
            if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
                self.runtime.kick()  # a write may have queued events: publish them now, not at the next poll
                self.runtime.views.changed()
            if not path.endswith("/health"):
                log.info("http.request", method=scope["method"], path=path, status=status,
                         ms=round((time.perf_counter() - start) * 1000, 1))


    def same_origin(self, scope: Scope, headers: Headers) -> bool:
        """CSRF defence for cookie-authenticated writes (and sign-in forms): a browser says where a
        request comes from in ``Origin`` (or at least ``Referer``); it must be this site. A request
        with a Bearer token is not sent by a browser on its own, and one with neither header is
        not a browser's at all."""
        if headers.get("authorization", "").lower().startswith("bearer "):
            return True
        claimed = headers.get("origin")
        if claimed is None or claimed == "null":
            referer = headers.get("referer")
            if referer is None:
                return claimed is None
            parts = urlsplit(referer)
            claimed = f"{parts.scheme}://{parts.netloc}"
        host = headers.get("host", "")
        scheme = scope.get("scheme", "http")
        allowed = {self.runtime.public_origin, f"{scheme}://{host}", f"http://{host}", f"https://{host}"}
        return claimed.rstrip("/") in allowed

    async def _checked_json(self, scope: Scope, receive: Receive, headers: Headers) -> tuple[Response | None, Receive]:
        """Read a JSON body (bounded), refuse broken text, and hand the same bytes on."""
        request = Request(scope)
        declared = headers.get("content-length", "")
        too_big = self.runtime.error_response(request, 413, MSG_TOO_LARGE, as_page=False)
        if declared.isdigit() and int(declared) > text_guard.MAX_JSON_BYTES:
            return too_big, receive
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return None, receive  # the client went away: let the app see it as usual
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > text_guard.MAX_JSON_BYTES:
                return too_big, receive
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        field = text_guard.check_body(body)
        if field is not None:
            msg = text_guard.MSG
            return self.runtime.error_response(request, 422, msg, {field: msg}, as_page=False), receive
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return None, replay


class Runtime:
    """One service process: its database, its broker, its outbox relay and its consumer."""

    def __init__(self, settings: ServiceSettings, package_dir: Path) -> None:
        self.settings = settings
        self.name = settings.service_name
        configure_logging(self.name, json=not settings.dev, level=settings.log_level)
        self.hints = outbox.PendingHints()
        self.client = connect(settings.mongo_url, [self.hints])
        self.db: AsyncDatabase[Doc] = database(self.client, settings.mongo_db,
                                               serialise_writes=settings.mongo_serialise_writes)
        self.registry = CollectorRegistry()  # this process's metrics (shared.metrics), never the global one
        self.broker = make_broker(settings.kafka_bootstrap, client_id=self.name,
                                  middlewares=[metrics.broker_middleware(self.registry, self.name)])
        self.publish = relay_publisher(self.broker, self.name)  # a declared publisher per topic it writes
        self.inbox = Inbox(self.db["inbox"])
        self.outbox_collections: list[AsyncCollection[Doc]] = []
        self.staged = StagedOutbox(self.db[staged_outbox.COLLECTION])
        self.relay: outbox.OutboxRelay | None = None
        self.consumer: Consumer | None = None
        self.web = Web(self.name, package_dir, signin_url=settings.signin_url)
        self.jwks = JWKSCache(settings.jwks_url)
        self.revocations = Revocations(self.db["revoked_tokens"])
        self.auth = Auth(TokenVerifier(self.jwks, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                                       roles_claim=settings.jwt_roles_claim, unit_claim=settings.jwt_unit_claim,
                                       revocations=self.revocations,
                                       max_lifetime_s=settings.jwt_max_lifetime_minutes * 60))
        self.views = ViewCache(fresh_wait=settings.view_fresh_wait_s, max_age=settings.view_max_age_s)
        self.broker_ready = asyncio.Event()
        self.prepared = asyncio.Event()  # indexes and start-up steps done
        self._asyncapi: str | None = None
        self._startup: list[Callable[[], Awaitable[None]]] = []
        self._shutdown: list[Callable[[], Awaitable[None]]] = []

    def failure_response(self, request: Request, exc: Exception, cid: str) -> Response:
        """A dependency down or busy: 503 with ``Retry-After``; anything else: a 500 that names
        the request's reference."""
        if is_transient(exc):
            log.warning("http.dependency_unavailable", path=request.url.path, dependency=which_dependency(exc),
                        error=f"{type(exc).__name__}: {str(exc)[:300]}")
            return self.error_response(request, 503, MSG_UNAVAILABLE)
        log.error("http.unhandled_error", path=request.url.path, exc_info=exc)
        return self.error_response(request, 500, MSG_FAILED, params={"ref": cid})

    def error_response(self, request: Request, status: int, message: str, errors: Mapping[str, str] | None = None,
                       *, extra: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
                       retry_after: int | None = None, params: Mapping[str, object] | None = None,
                       as_page: bool = True) -> Response:
        """The one mapping from a refusal or failure to what the client reads: ``message`` and
        each field's message (Vietnamese msgids) in the user's language through the service's
        catalogue; ``{"detail", "errors", **extra}`` (``shared.errors.ErrorBody``) for an API
        client, the error page for a browser on a page route (sign-in for a 401); ``Retry-After``
        on 429 and 503."""
        detail = self.web.catalog.format(message, request_lang(request), params) if params \
            else self.web.t(request, message)
        out = dict(headers or {})
        if retry_after or status == 503:
            out["Retry-After"] = str(retry_after or RETRY_AFTER_S)
        if as_page and wants_html(request):
            if status == 401:
                nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"{self.settings.signin_url}?next={quote(nxt)}", status_code=303)
            try:
                page = self.web.render(request, "error.html", status_code=status, status=status, detail=detail)
            except Exception:  # the page itself failed to render: plain text still answers
                return PlainTextResponse(detail, status_code=status, headers=out)
            page.headers.update(out)
            return page
        body = {"detail": detail, "errors": {k: self.web.t(request, v) for k, v in (errors or {}).items()},
                **(extra or {})}
        return JSONResponse(body, status_code=status, headers=out)

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.settings.public_base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def envelope(self, payload: EventPayload) -> Envelope:
        return Envelope.wrap(payload, producer=self.name)

    def use_outbox(self, *collections: AsyncCollection[Doc]) -> None:
        self.outbox_collections.extend(collections)

    def subscribe(self, routes: Sequence[Route]) -> None:
        """Register the service's handlers (``shared.handlers.on``); every service also follows
        revoked sessions. An event handled changes the organisers' views of its contest (of every
        contest if it names none)."""

        @on(SessionsRevoked)
        async def revoked(env: Envelope[SessionsRevoked]) -> None:
            await self.revocations.apply(env.payload, env.event_id)
            self.revocations.prune()

        def changed(payloads: Sequence[EventPayload]) -> None:
            for scope in {getattr(p, "contest_id", None) for p in payloads if not isinstance(p, SessionsRevoked)}:
                self.views.changed(scope if isinstance(scope, str) else None)

        self.consumer = Consumer(self.broker, service=self.name, group_id=self.settings.kafka_group,
                                 inbox=self.inbox, routes=[*routes, revoked], after=changed,
                                 max_attempts=self.settings.consumer_max_attempts)

    def on_startup(self, fn: Callable[[], Awaitable[None]]) -> None:
        self._startup.append(fn)

    def on_shutdown(self, fn: Callable[[], Awaitable[None]]) -> None:
        self._shutdown.append(fn)

    def in_background(self, name: str, fn: Callable[[], Awaitable[None]]) -> None:
        """Run ``fn`` once start-up is done, without start-up waiting for it; a failure is logged
        (it is never needed for correctness), and shutdown cancels it."""
        tasks: set[asyncio.Task[None]] = set()

        async def guarded() -> None:
            try:
                await fn()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("background.failed", task=name, exc_info=True)

        async def start() -> None:
            task = asyncio.create_task(guarded(), name=name)
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        async def stop() -> None:
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.on_startup(start)
        self.on_shutdown(stop)

    def kick(self) -> None:
        """Call after a write that queued events, so the relay publishes them now."""
        if self.relay is not None:
            self.relay.kick()

    async def _prepare(self) -> None:
        """Indexes and each service's start-up steps, each done once; while the store is down the
        steps wait and retry, the API answers 503 and consumers have not started."""
        steps: list[Callable[[], Awaitable[None]]] = [
            lambda: outbox.ensure_indexes(self.outbox_collections), self.revocations.load, *self._startup]
        for step in steps:
            async for attempt in AsyncRetrying(retry=retry_if_exception(is_transient), wait=_PATIENT, reraise=True,
                                               before_sleep=_waiting("service.start_waiting_for_store")):
                with attempt:
                    await step()
        self.prepared.set()

    async def _prepare_then_connect(self) -> None:
        await self._prepare()
        await self._connect_broker()

    async def _connect_broker(self) -> None:
        async def stop_half_started(state: RetryCallState) -> None:
            _waiting("kafka.unavailable")(state)
            with contextlib.suppress(Exception):
                await self.broker.stop()

        async for attempt in AsyncRetrying(retry=retry_if_exception_type(Exception), wait=_PATIENT,
                                           before_sleep=stop_half_started):
            with attempt:
                await self.broker.start()
        self.broker_ready.set()
        log.info("kafka.connected", bootstrap=self.settings.kafka_bootstrap)

    @staticmethod
    def _dump_tasks() -> None:
        """SIGUSR1: log where every task of this process is waiting (for operators)."""
        for task in asyncio.all_tasks():
            frames: list[str] = []
            coro: Any = task.get_coro()
            while coro is not None and len(frames) < 30:
                frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
                if frame is not None:
                    code = frame.f_code
                    frames.append(f"{code.co_filename.rsplit('/', 2)[-1]}:{frame.f_lineno} {code.co_name}")
                coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
            log.warning("debug.task", name=task.get_name(), where=" -> ".join(frames))

    @contextlib.asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, self._dump_tasks)
        connector = asyncio.create_task(self._prepare_then_connect(), name="prepare-and-connect")
        with contextlib.suppress(TimeoutError):  # usually ready at once; a store outage must not stop the start
            await asyncio.wait_for(asyncio.shield(self.prepared.wait()), 10)
        publish = self.publish

        async def guarded(envs: Sequence[Envelope]) -> None:
            if not self.broker_ready.is_set():
                raise RuntimeError("Kafka not connected yet")
            await publish(envs)

        self.relay = outbox.OutboxRelay(
            self.outbox_collections, guarded, interval=self.settings.relay_interval_ms / 1000,
            rescan=self.settings.relay_rescan_s, staged=self.staged,
        )
        self.hints.on_hint = self.relay.hint
        self.staged.on_ready = self.relay.kick
        self.relay.start()
        log.info("service.started", port=self.settings.http_port)
        try:
            yield
        finally:
            await self.staged.close()
            await self.relay.stop()
            connector.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await connector
            for fn in self._shutdown:
                await fn()
            with contextlib.suppress(Exception):
                await self.broker.stop()
            await self.client.close()

    def create_app(self, *, title: str, routers: Sequence[Any]) -> FastAPI:
        if self.consumer is None:
            self.subscribe([])  # revoked sessions, at least
        prefix = f"/{self.name}"
        app = FastAPI(
            title=title,
            lifespan=self.lifespan,
            docs_url=f"{prefix}/api/docs",
            openapi_url=f"{prefix}/api/openapi.json",
            redoc_url=None,
        )
        app.mount(f"{prefix}/static/shared", StaticFiles(directory=SHARED_STATIC), name="shared-static")
        for r in routers:
            app.include_router(r)
        self._install_middleware(app)
        self._install_errors(app)
        metrics.install(app, self)

        @app.get(f"{prefix}/api/asyncapi.json", include_in_schema=False)
        async def asyncapi_document() -> Response:
            """The topics this service reads and writes, with every payload's schema (AsyncAPI 3)."""
            if self._asyncapi is None:
                self._asyncapi = asyncapi.document(self.name, self.broker)
            return Response(self._asyncapi, media_type="application/json")

        @app.get(f"{prefix}/health/live", include_in_schema=False)
        async def live() -> dict[str, Any]:
            """The process answers (a supervisor restarts it only when this fails)."""
            return {"service": self.name, "live": True}

        async def store_ok() -> bool:
            try:
                await asyncio.wait_for(self.db.command("ping"), HEALTH_PING_S)
                return True
            except Exception:
                return False

        @app.get(f"{prefix}/health/ready", include_in_schema=False)
        async def ready() -> Response:
            """Whether to send it requests: its store answers. Kafka may be down; the outbox waits."""
            store = await store_ok()
            ok = store and self.prepared.is_set()
            return JSONResponse({"service": self.name, "ready": ok, "store": store}, status_code=200 if ok else 503,
                                headers={} if ok else {"Retry-After": str(RETRY_AFTER_S)})

        @app.get(f"{prefix}/health", include_in_schema=False)
        async def health() -> Response:
            store = await store_ok()
            ok = store and self.prepared.is_set()
            body = {
                "service": self.name,
                "ready": ok,
                "store": store,
                "kafka": self.broker_ready.is_set(),
                "published": self.relay.published if self.relay else 0,
                "relay_failing": bool(self.relay and self.relay.last_error),
                "outbox_drops": self.staged.drops,
                "consumer": self.consumer.status() if self.consumer else None,
                "handled": self.consumer.handled if self.consumer else 0,
                "dead_lettered": self.consumer.dead_lettered if self.consumer else 0,
                "inbox_lookups": self.inbox.lookups,
            }
            return JSONResponse(body, status_code=200 if ok else 503)

        return app

    def _install_middleware(self, app: FastAPI) -> None:
        app.add_middleware(RequestContext, runtime=self)

    def _install_errors(self, app: FastAPI) -> None:
        """Every error a request can end in goes through :meth:`error_response`: a use case's
        refusal (its kind's status, ``shared.errors``), invalid input and the framework's own
        answers (unknown path, wrong method)."""

        async def refused(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, Refused)
            return self.error_response(request, status_of(exc), exc.message, exc.errors, extra=exc.extra,
                                       retry_after=exc.retry_after, params=exc.params)

        async def invalid(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, RequestValidationError)
            return self.error_response(request, 422, MSG_INVALID, field_errors(exc, lambda t: self.web.t(request, t)),
                                       as_page=False)

        async def framework(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, StarletteHTTPException)
            message = FRAMEWORK_PHRASES.get(exc.detail, exc.detail)
            headers = dict(exc.headers or {})
            if exc.status_code == 405:  # Starlette names the methods of the first route of the path only
                headers["Allow"] = ", ".join(allowed_methods(app, request.url.path))
            return self.error_response(request, exc.status_code, message, headers=headers)

        app.add_exception_handler(Refused, refused)
        app.add_exception_handler(RequestValidationError, invalid)
        app.add_exception_handler(StarletteHTTPException, framework)
