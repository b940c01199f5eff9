"""Sign in and out. The session cookie is rotated at sign-in (new CSRF token) so a cookie planted before
sign-in is worth nothing afterwards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from nelm.services.web_users import authenticate
from nelm.web.api.deps import OptionalUser, SessionDep, csrf_protect
from nelm.web.security import SessionData, new_csrf_token
from nelm.web.templating import page


def _next_target(value: str | None) -> str:
    return value if value and value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

    @router.get("/login")
    def login_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
        if user is not None:
            return RedirectResponse(_next_target(next), status_code=303)
        return page(request, "login.html", {"next": _next_target(next)})

    @router.post("/login")
    def login(request: Request, db: SessionDep, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
              next: Annotated[str, Form()] = "/") -> Response:
        user = authenticate(db, username, password) if username and password else None
        if user is None:
            return page(request, "login.html", {"next": _next_target(next), "username": username,
                                                "error": "User name or password is wrong, or the account is disabled."}, status_code=401)
        request.scope["state"]["nelm_session"] = SessionData(user.id, user.session_epoch, new_csrf_token())
        return RedirectResponse(_next_target(next), status_code=303)

    @router.post("/logout")
    def logout(request: Request) -> Response:
        request.scope["state"]["nelm_session"] = SessionData.anonymous()
        return RedirectResponse("/login", status_code=303)

    return router
