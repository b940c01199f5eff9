"""Web settings from the environment (NELM_DATABASE_URL, NELM_SECRET_KEY, NELM_DEMO, NELM_MODEL_FILE, ...).

Outside demo mode a real secret key is required: a placeholder or short key would let anyone forge session
cookies, so it is refused at start-up instead of silently used.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_LENGTH = 32
PLACEHOLDER_WORDS = ("change", "secret", "example", "placeholder", "default", "password", "xxx", "todo", "test", "demo")


class SecretKeyRefused(ValueError):
    """NELM_SECRET_KEY is missing, short or a placeholder outside demo mode."""


def secret_key_problem(key: str | None) -> str | None:
    """Why this key must not sign sessions, or None when it is acceptable."""
    if not key:
        return "NELM_SECRET_KEY is not set: generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
    if len(key) < MIN_SECRET_LENGTH:
        return f"NELM_SECRET_KEY is {len(key)} characters; use at least {MIN_SECRET_LENGTH} random characters"
    lowered = key.lower()
    if any(word in lowered for word in PLACEHOLDER_WORDS) or len(set(key)) < 10:
        return "NELM_SECRET_KEY looks like a placeholder; use a random value (secrets.token_urlsafe(48))"
    return None


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NELM_", extra="ignore")

    database_url: str | None = Field(None, description="Registry database; default ./nelm.sqlite")
    secret_key: str | None = Field(None, description="Signs session cookies; required outside demo mode")
    demo: bool = Field(False, description="Demo mode: synthetic cohort, random key and demo logins allowed")
    model_file: Path | None = Field(None, description="Prognostic model file; the assessment shows its prediction when set")
    protocol_file: Path | None = Field(None, description="Site protocol (TOML/JSON) the engine uses")
    cookie_secure: bool = Field(True, description="Send the session cookie over HTTPS only (browsers treat loopback as secure)")
    session_hours: float = Field(12.0, gt=0, le=24 * 7)
    user_check_seconds: float = Field(2.0, ge=0, le=60, description="How long a checked account is trusted before the database is asked again")
    page_size: int = Field(25, ge=5, le=500, description="Patients per list page (25 fill a projected screen)")

    @model_validator(mode="after")
    def _key_for_mode(self) -> "WebSettings":
        problem = secret_key_problem(self.secret_key)
        if problem and not self.demo:
            raise SecretKeyRefused(problem)
        if problem:  # demo: a fresh random key per process (sessions end when the server stops)
            object.__setattr__(self, "secret_key", secrets.token_urlsafe(48))
        return self
