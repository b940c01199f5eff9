"""One router module per resource; each exposes build_router() -> APIRouter (built per app, not at import)."""
