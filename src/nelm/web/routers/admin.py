"""User accounts (admin only): list, create, change role, disable or enable, set a new password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from nelm.services.assessment import BadInput
from nelm.services.web_users import create_user, list_users, update_user
from nelm.web.api.deps import Admin, SessionDep, csrf_protect
from nelm.web.security import ROLES
from nelm.web.templating import page


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

    def users_page(request: Request, db, *, problems=(), done: str | None = None, values=None, status_code: int = 200) -> Response:
        return page(request, "admin_users.html", {"users": list_users(db), "roles": ROLES, "problems": list(problems), "done": done,
                                                  "values": values or {}}, status_code=status_code)

    @router.get("/admin/users")
    def users(request: Request, user: Admin, db: SessionDep, done: str = "") -> Response:
        return users_page(request, db, done=done[:120] or None)

    @router.post("/admin/users")
    def add_user(request: Request, user: Admin, db: SessionDep, username: Annotated[str, Form()] = "",
                 role: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "") -> Response:
        try:
            created = create_user(request.app.state.registry, username, password, role, actor=user.username)
        except BadInput as exc:
            return users_page(request, db, problems=exc.problems, values={"username": username, "role": role}, status_code=422)
        return RedirectResponse(f"/admin/users?done=created {created['username']}", status_code=303)

    @router.post("/admin/users/{username}")
    def change_user(request: Request, username: str, user: Admin, db: SessionDep, action: Annotated[str, Form()] = "",
                    role: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "") -> Response:
        changes: dict = {}
        if action == "role":
            changes["role"] = role
        elif action in {"disable", "enable"}:
            changes["active"] = action == "enable"
        elif action == "password":
            changes["password"] = password
        else:
            return users_page(request, db, problems=[f"action: unknown action {action!r}"], status_code=422)
        try:
            update_user(request.app.state.registry, username, actor=user.username, **changes)
            request.app.state.user_cache.clear()  # the change applies to this process at once, not after the cache expires
        except BadInput as exc:
            return users_page(request, db, problems=exc.problems, status_code=422)
        return RedirectResponse(f"/admin/users?done={action} {username}", status_code=303)

    return router
