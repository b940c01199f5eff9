"""Settings of the CDS Hooks door, read from the environment (NELM_BASE_URL, ...)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class CdsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NELM_", extra="ignore")

    base_url: str = "http://127.0.0.1:8000"  # where the full tumour-board page lives: {base_url}/patients/{id}
    fhir_timeout_seconds: float = 5.0  # per FHIR query when the service fetches data itself
    fhir_max_pages: int = 10  # searchset pages followed per query
    answer_cache_size: int = 1024  # charts whose cards are kept (0 turns the cache off)
    # Comma-separated URL prefixes of FHIR servers the service may call with a client's token; empty = any.
    # Set it in production: the service otherwise calls whatever fhirServer a request names.
    fhir_server_allowlist: str = ""

    def fhir_server_allowed(self, url: str) -> bool:
        prefixes = [p.strip().rstrip("/") for p in self.fhir_server_allowlist.split(",") if p.strip()]
        return not prefixes or any(url.rstrip("/") == p or url.startswith(p + "/") for p in prefixes)

    @property
    def base(self) -> str:
        return self.base_url.rstrip("/")
