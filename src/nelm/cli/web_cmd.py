"""`nelm serve` (the tumour-board web app) and `nelm user add|list` (accounts)."""

from __future__ import annotations

import os
import sys

import typer
from pydantic import ValidationError
from rich.console import Console

from nelm.cli.errors import fail
from nelm.cli.workers import DEFAULT_WORKERS
from nelm.services.assessment import BadInput

user_app = typer.Typer(help="Web app accounts (roles: clinician, researcher, admin).", no_args_is_help=True)
DEMO_DB = "sqlite:///nelm-demo.sqlite"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
    app.add_typer(user_app, name="user")




def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    db: str | None = typer.Option(None, "--db", help="Registry database URL or SQLite path (default: NELM_DATABASE_URL, else ./nelm.sqlite; "
                                                    "with --demo: ./nelm-demo.sqlite)."),
    demo: bool = typer.Option(False, "--demo", help="Demo: seed a synthetic cohort if the registry is empty and print demo logins "
                                                   "with fresh random passwords."),
    demo_patients: int = typer.Option(1000, "--demo-patients", min=1, max=100_000, help="Synthetic patients to seed with --demo."),
    workers: int = typer.Option(DEFAULT_WORKERS, "--workers", min=1, max=64,
                                help="Server processes (default: one per CPU core, at most 4; the p95 target needs two on a 2-core machine)."),
) -> None:
    """Start the tumour-board web app. Outside demo mode NELM_SECRET_KEY must be set to a random value."""
    import uvicorn

    from nelm.services.registry import open_registry
    from nelm.services.web_demo import demo_logins, seed_if_empty
    from nelm.web.app import create_app
    from nelm.web.settings import WebSettings

    url = db or (DEMO_DB if demo else None)
    try:
        settings = WebSettings(**{k: v for k, v in {"database_url": url, "demo": demo or None}.items() if v is not None})
    except ValidationError as exc:
        raise fail([str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()]) from None
    console = Console(highlight=False, soft_wrap=True)
    logins: list[tuple[str, str, str]] = []
    try:
        if settings.demo:
            registry = open_registry(settings.database_url)
            try:
                with console.status("Preparing the demo registry..."):
                    added = seed_if_empty(registry, demo_patients)
                    logins = demo_logins(registry)
            finally:
                registry.dispose()
            if added:
                console.print(f"Seeded {added} synthetic patients.")
        app = create_app(settings)
    except BadInput as exc:
        raise fail(exc.problems) from None
    address = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    console.print(f"[bold]nelm tumour board[/] on [bold]{address}[/]  (database: {app.state.registry.engine.url.render_as_string(hide_password=True)})")
    if logins:
        console.print("[bold yellow]DEMO MODE[/]: synthetic patients only. Logins (new passwords each start):")
        for name, role, password in logins:
            console.print(f"  {role:<11} user [bold]{name}[/]  password [bold]{password}[/]")
    if host not in LOOPBACK and settings.cookie_secure:
        console.print("[yellow]note:[/] the session cookie is sent over HTTPS only: put the app behind a TLS reverse proxy.")
    console.print("Stop with Ctrl+C.")
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False, server_header=False)
        return
    app.state.registry.dispose()
    # Worker processes build their own app from the environment; they must share the (possibly random demo) key.
    os.environ.update(NELM_DATABASE_URL=app.state.registry.engine.url.render_as_string(hide_password=False),
                      NELM_SECRET_KEY=settings.secret_key or "", NELM_DEMO="true" if settings.demo else "false")
    uvicorn.run("nelm.web.app:create_app_from_env", factory=True, host=host, port=port, workers=workers, log_level="info",
                proxy_headers=False, server_header=False)


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="Lower-case user name.", show_default=False),
    role: str = typer.Option(..., "--role", help="clinician, researcher or admin.", show_default=False),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from the first line of standard input."),
    db: str | None = typer.Option(None, "--db", help="Registry database URL or SQLite path (default: NELM_DATABASE_URL, else ./nelm.sqlite)."),
) -> None:
    """Create a user. The password is prompted for (twice), or read from standard input with --password-stdin."""
    from nelm.registry.audit import default_actor
    from nelm.services.registry import open_registry
    from nelm.services.web_users import create_user
    from nelm.web.security import ROLES, password_problems, username_problems

    problems = username_problems(username.strip().lower()) + ([] if role in ROLES else [f"--role: {role!r} is not one of {', '.join(ROLES)}"])
    if problems:
        raise fail(problems)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if weak := password_problems(password, username):
        raise fail(weak)
    try:
        registry = open_registry(db)
        try:
            user = create_user(registry, username, password, role, actor=f"cli:{default_actor()}")
        finally:
            registry.dispose()
    except BadInput as exc:
        raise fail(exc.problems) from None
    typer.echo(f"created user {user['username']} ({user['role']})")


@user_app.command("list")
def user_list(db: str | None = typer.Option(None, "--db", help="Registry database URL or SQLite path.")) -> None:
    """Every account with its role and status."""
    from nelm.services.registry import open_registry
    from nelm.services.web_users import list_users

    try:
        registry = open_registry(db)
    except BadInput as exc:
        raise fail(exc.problems) from None
    try:
        with registry.session("cli") as session:
            users = list_users(session)
    finally:
        registry.dispose()
    for u in users:
        typer.echo(f"{u['username']}\t{u['role']}\t{'active' if u['active'] else 'disabled'}\tlast sign-in {u['last_login_at'] or 'never'}")
