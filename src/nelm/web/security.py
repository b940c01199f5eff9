"""Passwords, session cookies, CSRF tokens and roles. No I/O here: routers and services do the reading and writing.

- Passwords: argon2id (argon2-cffi defaults, RFC 9106 low-memory profile); rehashed on login when the
  parameters change.
- Sessions: a signed, timestamped cookie (itsdangerous) holding the user id, the user's session epoch and the
  CSRF token; httponly, samesite=lax, secure. Bumping the epoch (password/role change, deactivation)
  invalidates every cookie issued before.
- CSRF: synchronizer token. Every form carries it in a hidden field, htmx sends it as X-CSRF-Token; the
  token lives in the signed cookie, so a forged request from another site cannot know it.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from nelm.registry.users import Role

COOKIE_NAME = "nelm_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MIN_PASSWORD_LENGTH = 12
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
ROLES = tuple(r.value for r in Role)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps login time the same for unknown names.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problems(password: str, username: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"password: at least {MIN_PASSWORD_LENGTH} characters (got {len(password)})")
    if username and username.lower() in password.lower():
        problems.append("password: must not contain the user name")
    if password and len(set(password)) < 5:
        problems.append("password: too few different characters")
    return problems


def username_problems(username: str) -> list[str]:
    if not USERNAME_PATTERN.match(username):
        return ["username: 2-64 characters, lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"]
    return []


def random_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, ~120 bits


@dataclass(frozen=True)
class SessionData:
    user_id: int | None
    epoch: int
    csrf: str

    @staticmethod
    def anonymous() -> "SessionData":
        return SessionData(None, 0, new_csrf_token())


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


class SessionCodec:
    """Signs and checks the session cookie; a cookie older than max_age or with a bad signature is ignored."""

    def __init__(self, secret_key: str, max_age_seconds: int):
        self._serializer = URLSafeTimedSerializer(secret_key, salt="nelm-session-v1")
        self.max_age = max_age_seconds

    def dumps(self, data: SessionData) -> str:
        return self._serializer.dumps({"u": data.user_id, "e": data.epoch, "c": data.csrf})

    def loads(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            raw = self._serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:  # includes SignatureExpired
            return None
        if not isinstance(raw, dict) or not isinstance(raw.get("c"), str):
            return None
        user_id = raw.get("u")
        return SessionData(user_id if isinstance(user_id, int) else None, int(raw.get("e") or 0), raw["c"])


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and hmac.compare_digest(expected.encode(), given.encode())
