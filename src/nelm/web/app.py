"""The web application factory. Nothing is created at import time: `create_app(settings)` builds the engine,
the templates and the routers for one set of settings (tests build as many apps as they like)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from nelm import __version__
from nelm.services.assessment import BadInput, read_protocol
from nelm.services.registry import open_registry
from nelm.services.web_patients import PatientNotFound
from nelm.web.api.deps import CsrfRejected, Forbidden, NotAuthenticated, UserCache
from nelm.web.middleware import SecurityHeadersMiddleware, SessionCookieMiddleware
from nelm.web.prognosis import ModelSlot
from nelm.web.security import SessionCodec
from nelm.web.settings import WebSettings
from nelm.web.templating import build_templates, page

log = logging.getLogger("nelm.web")
STATIC = Path(__file__).with_name("static")


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import os

        import anyio.to_thread

        # Page handlers are CPU-bound (engine, templates) and share one GIL: a few threads finish requests in
        # arrival order; anyio's default of 40 makes them take turns in 5 ms slices and all finish late.
        anyio.to_thread.current_default_thread_limiter().total_tokens = int(os.environ.get("NELM_WEB_THREADS", "4"))
        yield
        app.state.registry.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="nelm API",
        version=__version__,
        description="Assessment of NET liver metastases and registry reads. Sign in at /login first: the API uses the "
                    "same session cookie as the pages; state-changing calls must send the X-CSRF-Token header "
                    "(from GET /api/session).",
        docs_url="/api/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.registry = open_registry(settings.database_url)
    app.state.templates = build_templates()
    app.state.protocol = read_protocol(settings.protocol_file)
    app.state.cache = {}
    app.state.model = ModelSlot(settings.model_file)
    app.state.user_cache = UserCache(settings.user_check_seconds)

    from nelm.web.routers import admin, analyses, auth, cases, decisions, ehr_links, evidence, home, patients
    from nelm.web.api import routes as api_routes

    for module in (auth, home, cases, patients, decisions, analyses, evidence, admin, ehr_links):
        app.include_router(module.build_router())
    app.include_router(api_routes.build_router(), prefix="/api")
    _mount_cds_hooks(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    _install_error_pages(app)
    app.add_middleware(SessionCookieMiddleware, codec=SessionCodec(settings.secret_key or "", int(settings.session_hours * 3600)),
                       secure=settings.cookie_secure)
    app.add_middleware(SecurityHeadersMiddleware)

    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory nelm.web.app:create_app_from_env` (several worker processes)."""
    return create_app(WebSettings())


def _mount_cds_hooks(app: FastAPI) -> None:
    """CDS Hooks discovery and services at /cds-services, from the same server (cards link to /fhir/Patient/{id});
    card feedback goes to the registry database, shared by every worker process."""
    try:
        from nelm.cdshooks import create_router
        from nelm.cdshooks.feedback_db import DatabaseFeedbackStore
    except ImportError as exc:  # the CDS Hooks door is optional in a partial checkout
        log.info("CDS Hooks not mounted: %s", exc)
        return
    router = create_router(protocol=app.state.protocol, feedback_store=DatabaseFeedbackStore(app.state.registry.engine))
    app.state.cds_feedback_store = router.feedback_store  # type: ignore[attr-defined]
    app.include_router(router)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.headers.get("accept", "").startswith("application/json")


def _install_error_pages(app: FastAPI) -> None:
    def error_page(request: Request, status: int, title: str, message: str, problems: list[str] | None = None) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": title, "message": message, "problems": problems or []}, status_code=status)
        return page(request, "error.html", {"status": status, "title": title, "message": message, "problems": problems or []},
                    status_code=status)

    @app.exception_handler(NotAuthenticated)
    async def _login(request: Request, _exc: NotAuthenticated) -> Response:
        if _wants_json(request) or request.method != "GET" or request.headers.get("hx-request"):
            if request.headers.get("hx-request"):
                return Response(status_code=401, headers={"HX-Redirect": "/login"})
            return JSONResponse({"error": "not signed in", "message": "sign in at /login"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={_safe_next(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return error_page(request, 403, "Not allowed", exc.message)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, _exc: CsrfRejected) -> Response:
        return error_page(request, 403, "Request refused",
                          "The form's security token was missing or out of date. Reload the page and try again.")

    @app.exception_handler(PatientNotFound)
    async def _not_found(request: Request, exc: PatientNotFound) -> Response:
        return error_page(request, 404, "Not found", "; ".join(exc.problems), exc.problems)

    @app.exception_handler(BadInput)
    async def _bad_input(request: Request, exc: BadInput) -> Response:
        return error_page(request, 400, "Cannot use this input", "Please correct the following.", exc.problems)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p not in ('body', 'query', 'path'))}: {e['msg']}" for e in exc.errors()]
        return error_page(request, 422, "Cannot use this request", "Some values were missing or malformed.", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed"}
        return error_page(request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:  # pragma: no cover - logged, never shown
        log.exception("request failed: %s %s", request.method, request.url.path)
        return error_page(request, 500, "Something went wrong", "The error was logged. Nothing was changed.")


def _safe_next(target: str) -> str:
    """Only local paths: an open redirect after login would help phishing."""
    from urllib.parse import quote

    return quote(target if target.startswith("/") and not target.startswith("//") else "/", safe="/")
