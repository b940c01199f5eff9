"""CDS Hooks 2.0 service: a `patient-view` hook that returns nelm's NELM assessment as cards.

`create_router()` gives the APIRouter the web app mounts; `create_app()` a standalone FastAPI app.
"""

from nelm.cdshooks.app import create_app
from nelm.cdshooks.router import create_router

__all__ = ["create_app", "create_router"]
