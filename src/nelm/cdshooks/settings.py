"""Settings of the CDS Hooks door, read from the environment (NELM_BASE_URL, NELM_CDS_TRUSTED_CLIENTS, ...)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nelm.cdshooks.client_auth import TrustedClient, parse_jwks

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class TrustedClientSetting(BaseModel):
    """One CDS client (EHR) the service trusts: its issuer and its JWK Set, inline and/or at URLs."""

    model_config = ConfigDict(extra="forbid")

    iss: str = Field(min_length=1, description="The JWT's iss, exactly")
    jwks: dict[str, Any] | None = Field(None, description="The client's JWK Set inline: {\"keys\": [...]}")
    jwks_urls: list[str] = Field(default_factory=list, description="URLs of its JWK Set; a token's jku must be one of them")

    @field_validator("jwks_urls", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("jwks_urls")
    @classmethod
    def _https(cls, urls: list[str]) -> list[str]:
        for url in urls:
            parts = urlsplit(url)
            if not (parts.scheme == "https" or parts.scheme == "http" and parts.hostname in LOOPBACK) or not parts.hostname:
                raise ValueError(f"{url!r}: a JWK Set URL must be https (http only on loopback)")
        return urls

    @model_validator(mode="after")
    def _has_keys(self) -> TrustedClientSetting:
        if self.jwks is None and not self.jwks_urls:
            raise ValueError(f"trusted client {self.iss!r}: give its JWK Set inline (jwks) or its URL (jwks_urls)")
        if self.jwks is not None:
            parse_jwks(self.jwks, f"trusted client {self.iss!r} jwks")  # a broken key set fails at start-up, not per request
        return self

    def client(self) -> TrustedClient:
        keys = parse_jwks(self.jwks, self.iss) if self.jwks is not None else {}
        return TrustedClient(self.iss, keys, tuple(self.jwks_urls))


class CdsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NELM_", extra="ignore")

    base_url: str = "http://127.0.0.1:8000"  # the web app, where the card link opens: {base_url}/fhir/Patient/{id}
    fhir_timeout_seconds: float = 5.0  # per FHIR query when the service fetches data itself
    fhir_max_pages: int = 10  # searchset pages followed per query
    answer_cache_size: int = 1024  # charts whose cards are kept (0 turns the cache off)
    # Comma-separated URL prefixes of FHIR servers the service may call with a client's token; empty = any.
    # Set it in production: the service otherwise calls whatever fhirServer a request names.
    fhir_server_allowlist: str = ""
    # Registry database for card feedback (`nelm cds serve`; the web app uses its own): as `nelm serve`, ./nelm.sqlite by default.
    database_url: str | None = None

    # --- Trusting CDS clients (see README.md) ---------------------------------------------------------
    cds_trusted_clients: list[TrustedClientSetting] = Field(default_factory=list)
    cds_trusted_clients_file: Path | None = None  # the same JSON list in a file (key sets are long for an environment variable)
    cds_require_client_token: bool | None = None  # unset: required as soon as a trusted client is configured
    cds_public_url: str = ""  # scheme://host[:port] the clients call; the JWT aud is this + the request path
    cds_clock_skew_seconds: float = Field(60.0, ge=0, le=600)
    cds_token_max_lifetime_seconds: float = Field(300.0, gt=0, le=3600)  # the spec's clients sign tokens for at most 5 min
    cds_jwks_cache_seconds: float = Field(300.0, ge=0)
    cds_jwks_timeout_seconds: float = Field(5.0, gt=0, le=60)
    cds_replay_cache_size: int = Field(100_000, ge=100)

    @model_validator(mode="after")
    def _read_clients_file(self) -> CdsSettings:
        if self.cds_trusted_clients_file is not None:
            path = self.cds_trusted_clients_file
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ValueError(f"NELM_CDS_TRUSTED_CLIENTS_FILE {path}: cannot be read as JSON ({exc})") from None
            if not isinstance(data, list):
                raise ValueError(f"NELM_CDS_TRUSTED_CLIENTS_FILE {path}: expected a JSON list of trusted clients")
            self.cds_trusted_clients = [*self.cds_trusted_clients, *(TrustedClientSetting.model_validate(item) for item in data)]
        seen = [c.iss for c in self.cds_trusted_clients]
        if len(seen) != len(set(seen)):
            raise ValueError("trusted CDS clients: each iss may be listed once")
        return self

    def fhir_server_allowed(self, url: str) -> bool:
        prefixes = [p.strip().rstrip("/") for p in self.fhir_server_allowlist.split(",") if p.strip()]
        return not prefixes or any(url.rstrip("/") == p or url.startswith(p + "/") for p in prefixes)

    @property
    def base(self) -> str:
        return self.base_url.rstrip("/")

    @property
    def client_token_required(self) -> bool:
        return bool(self.cds_trusted_clients) if self.cds_require_client_token is None else self.cds_require_client_token

    def trusted_clients(self) -> list[TrustedClient]:
        return [c.client() for c in self.cds_trusted_clients]
