"""Every route of the app as (method, path), whatever the FastAPI version does with included routers."""

from __future__ import annotations


def app_routes(app) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(routes, prefix: str) -> None:
        for route in routes:
            context = getattr(route, "include_context", None)
            if context is not None:  # FastAPI >= 0.16x keeps included routers as one entry
                walk(route.original_router.routes, prefix + context.prefix)
                continue
            path = getattr(route, "path", None)
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD" and path is not None:
                    found.add((method, prefix + path))

    walk(app.router.routes, "")
    return found
