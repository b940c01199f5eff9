"""Who is calling: the CDS client's signed JWT (CDS Hooks 2.0, "Trusting CDS Clients").

The EHR sends `Authorization: Bearer <JWT>` signed with its private key. Header: alg, kid, optionally jku;
claims: iss, aud (the URL of the endpoint called), exp, iat, jti. The service trusts only the issuers it is
configured with, each with its JWK Set given inline or at URLs of its own; a token's jku is used only when it is
on its issuer's list (an arbitrary jku would let anyone bring their own key). PyJWT checks the signature; time
checks use the verifier's own clock (so they can be tested), and each jti is accepted once until it expires.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import heapq
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWK
from jwt.algorithms import get_default_algorithms
from jwt.exceptions import PyJWTError

# Asymmetric algorithms only: the spec forbids `none` and any shared-secret (HMAC) algorithm; it recommends ES384
# and RS384. The others are as strong and common in EHR key sets.
ALGORITHMS = ("ES384", "RS384", "ES256", "ES512", "RS256", "RS512", "PS256", "PS384", "PS512")
_CURVES = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}
MAX_TOKEN_CHARS = 16_384
MAX_JWKS_BYTES = 1_000_000
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")


class ClientRefused(Exception):
    """The request does not come from a trusted CDS client (401), or cannot be checked now (`status` 503)."""

    def __init__(self, message: str, status: int = 401, error: str = "unauthorized"):
        self.message, self.status, self.error = message, status, error
        super().__init__(message)


class JwksUnavailable(Exception):
    pass


@dataclass(frozen=True)
class SigningKey:
    kid: str
    public: Any  # a cryptography public key
    alg: str | None  # the JWK's own "alg", when it names one


@dataclass(frozen=True)
class TrustedClient:
    """One issuer the service trusts: its inline keys (kid -> key) and the URLs of its JWK Sets."""

    iss: str
    keys: Mapping[str, SigningKey] = field(default_factory=dict)
    jwks_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerifiedClient:
    iss: str
    sub: str | None
    jti: str
    tenant: str | None = None


def parse_jwks(jwks: Any, where: str) -> dict[str, SigningKey]:
    """A JWK Set as kid -> key; keys without a kid, or not for signing, cannot be chosen by a token and are left out."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValueError(f"{where}: not a JWK Set (expected an object with a 'keys' list)")
    usable = [k for k in jwks["keys"] if isinstance(k, dict) and isinstance(k.get("kid"), str) and k.get("use", "sig") == "sig"
              and k.get("kty") in ("RSA", "EC")]
    if not usable:
        raise ValueError(f"{where}: no RSA or EC signing key with a kid")
    keys = {}
    for data in usable:
        try:
            key = PyJWK(data).key
        except PyJWTError as exc:
            raise ValueError(f"{where}: key {data['kid']!r}: {exc}") from None
        public = key.public_key() if hasattr(key, "public_key") else key  # a private JWK by mistake: keep its public half
        keys[data["kid"]] = SigningKey(data["kid"], public, data.get("alg") if isinstance(data.get("alg"), str) else None)
    return keys


class ReplayGuard:
    """Remembers each (iss, jti) until its token expires. Bounded: when full of live tokens it refuses new ones
    (fail closed) rather than forget one that could then be replayed; only correctly signed tokens get here."""

    def __init__(self, capacity: int = 100_000):
        self.capacity = capacity
        self._until: dict[tuple[str, str], float] = {}
        self._expiry: list[tuple[float, tuple[str, str]]] = []

    def first_use(self, iss: str, jti: str, until: float, now: float) -> bool:
        while self._expiry and self._expiry[0][0] < now:
            _, key = heapq.heappop(self._expiry)
            if self._until.get(key, now) < now:
                del self._until[key]
        key = (iss, jti)
        if key in self._until:
            return False
        if len(self._until) >= self.capacity:
            raise ClientRefused("too many recent tokens to guard against their replay; retry shortly", status=503, error="busy")
        self._until[key] = until
        heapq.heappush(self._expiry, (until, key))
        return True

    def __len__(self) -> int:
        return len(self._until)


class JwksCache:
    """JWK Sets fetched from their URLs (httpx), kept `ttl` seconds. A refresh (a key was not found: the client
    may have rotated its keys) is allowed once per `min_refresh` seconds per URL, so forged kids cannot make the
    service hammer the EHR."""

    def __init__(self, *, ttl: float = 300.0, timeout: float = 5.0, min_refresh: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.timeout, self.min_refresh, self.transport, self.clock = ttl, timeout, min_refresh, transport, clock
        self._cached: dict[str, tuple[float, dict[str, SigningKey]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.fetches = 0

    async def keys(self, url: str, *, refresh: bool = False) -> dict[str, SigningKey]:
        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:  # concurrent requests wait for one fetch
            hit = self._cached.get(url)
            age = self.clock() - hit[0] if hit else None
            if hit and age is not None and (age < self.ttl and not refresh or refresh and age < self.min_refresh):
                return hit[1]
            keys = await self._fetch(url)
            self._cached[url] = (self.clock(), keys)
            return keys

    async def _fetch(self, url: str) -> dict[str, SigningKey]:
        self.fetches += 1
        try:
            async with httpx.AsyncClient(transport=self.transport, timeout=self.timeout, follow_redirects=False) as client:
                response = await client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise JwksUnavailable(f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__) from None
        if response.status_code != 200:
            raise JwksUnavailable(f"HTTP {response.status_code}")
        if len(response.content) > MAX_JWKS_BYTES:
            raise JwksUnavailable("response over 1 MB")
        try:
            return parse_jwks(response.json(), "response")
        except ValueError as exc:  # includes JSON errors
            raise JwksUnavailable(str(exc)) from None


class ClientVerifier:
    """Checks the Authorization header of one request against the trusted clients.

    `required`: without a token the request is refused. With no trusted client configured and `required` false,
    the service is open (local demo, tests) and tokens are not looked at."""

    def __init__(self, clients: Sequence[TrustedClient], *, required: bool, jwks: JwksCache | None = None,
                 replay: ReplayGuard | None = None, clock_skew: float = 60.0, max_lifetime: float = 300.0,
                 clock: Callable[[], float] = time.time):
        self.clients = {c.iss: c for c in clients}
        self.required = required
        self.jwks = jwks if jwks is not None else JwksCache()
        self.replay = replay if replay is not None else ReplayGuard()  # (an empty guard is falsy)
        self.clock_skew, self.max_lifetime, self.clock = clock_skew, max_lifetime, clock

    @property
    def open(self) -> bool:
        return not self.clients and not self.required

    async def verify(self, authorization: str | None, endpoint_url: str) -> VerifiedClient | None:
        """The verified client, or None when the service accepts requests without a token and none was sent."""
        if not authorization or not authorization.strip():
            if self.required:
                raise ClientRefused("this service accepts only CDS clients it trusts: send 'Authorization: Bearer <JWT>' "
                                    "signed by your key (CDS Hooks 2.0, Trusting CDS Clients)")
            return None
        if not self.clients:
            if self.required:
                raise ClientRefused("no trusted CDS client is configured on this service (NELM_CDS_TRUSTED_CLIENTS)")
            return None  # open service: nothing to check a token against
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ClientRefused("the Authorization header must be 'Bearer <JWT>'")
        if len(token) > MAX_TOKEN_CHARS:
            raise ClientRefused(f"the bearer token is over {MAX_TOKEN_CHARS} characters")
        header, claims, signing_input, signature = _read_unverified(token)
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise ClientRefused(f"JWT alg {alg!r} is not accepted; use one of {', '.join(ALGORITHMS)} (no 'none', no shared-secret HMAC)")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise ClientRefused("the JWT header has no kid (the id of the signing key in the client's JWK Set)")
        iss = claims.get("iss")
        client = self.clients.get(iss) if isinstance(iss, str) else None
        if client is None:
            raise ClientRefused(f"JWT issuer {iss!r} is not a trusted CDS client of this service")
        key = await self._key(client, kid, header.get("jku"))
        _check_key_fits(key, alg, kid)
        payload = _verified_claims(claims, signing_input, signature, key, alg, endpoint_url, iss)
        now = self.clock()
        exp, iat = payload["exp"], payload["iat"]
        for name, value in (("exp", exp), ("iat", iat)):
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ClientRefused(f"JWT claim {name} must be a number of seconds since 1970")
        if exp < now - self.clock_skew:
            raise ClientRefused(f"the JWT expired {now - exp:.0f} s ago")
        if iat > now + self.clock_skew:
            raise ClientRefused(f"the JWT was issued {iat - now:.0f} s in the future (check the client's clock)")
        if exp > now + self.max_lifetime + self.clock_skew:
            raise ClientRefused(f"the JWT expires {exp - now:.0f} s from now; tokens may live at most {self.max_lifetime:.0f} s")
        jti = payload["jti"]
        if not isinstance(jti, str) or not jti:
            raise ClientRefused("JWT claim jti must be a non-empty string")
        if not self.replay.first_use(iss, jti, exp + self.clock_skew, now):
            raise ClientRefused("this JWT (jti) was already used: each call needs a new token")
        sub, tenant = payload.get("sub"), payload.get("tenant")
        return VerifiedClient(iss, sub if isinstance(sub, str) else None, jti, tenant if isinstance(tenant, str) else None)

    async def _key(self, client: TrustedClient, kid: str, jku: Any) -> SigningKey:
        if jku is not None:
            if jku not in client.jwks_urls:
                raise ClientRefused(f"JWT jku {jku!r} is not a JWK Set URL configured for {client.iss}")
            urls: tuple[str, ...] = (jku,)
        else:
            if kid in client.keys:
                return client.keys[kid]
            urls = client.jwks_urls
        failures: dict[str, str] = {}
        for refresh in (False, True):  # a kid not found: fetch again once, the client may have rotated its keys
            for url in urls:
                try:
                    keys = await self.jwks.keys(url, refresh=refresh)
                except JwksUnavailable as exc:
                    failures[url] = str(exc)
                    continue
                failures.pop(url, None)
                if kid in keys:
                    return keys[kid]
        if failures:
            url, reason = next(iter(failures.items()))
            raise ClientRefused(f"the JWK Set of {client.iss} at {url} could not be fetched ({reason}); kid {kid!r} cannot be checked")
        raise ClientRefused(f"kid {kid!r} is not a key of {client.iss}")


def _read_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Header, claims, the signed bytes and the signature, before the signature is checked (the header and claims
    choose the issuer and key). Parsed here, strictly (base64url alphabet only), and once: PyJWT checks every
    character of a token in Python on each of its parses, which made a signed call noticeably slower."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ClientRefused(f"the bearer token is not a JWT (it has {len(parts)} part(s), a signed JWT has 3)")
    try:
        header, claims = (orjson.loads(_base64url(part)) for part in parts[:2])
        signature = _base64url(parts[2])
    except (binascii.Error, ValueError) as exc:  # orjson.JSONDecodeError is a ValueError
        raise ClientRefused(f"the bearer token is not a JWT (not base64url JSON: {exc})") from None
    if not isinstance(header, dict):
        raise ClientRefused("the bearer token is not a JWT (its header is not a JSON object)")
    if not isinstance(claims, dict):
        raise ClientRefused("the JWT payload is not a JSON object")
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def _base64url(segment: str) -> bytes:
    if not _BASE64URL.fullmatch(segment):
        raise ValueError("characters outside the base64url alphabet")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


# PyJWT's own signature algorithms (RSA PKCS#1 v1.5 and PSS, ECDSA with the JWS r||s encoding) check the signature.
_SIGNATURES = {name: algorithm for name, algorithm in get_default_algorithms().items() if name in ALGORITHMS}


def _verified_claims(claims: dict[str, Any], signing_input: bytes, signature: bytes, key: SigningKey, alg: str,
                     endpoint_url: str, iss: str) -> dict[str, Any]:
    """The claims once the signature verifies, every required claim is there, aud names this endpoint and iss is the
    issuer whose key verified it (exp, iat and jti are checked by the caller)."""
    if not _SIGNATURES[alg].verify(signing_input, key.public, signature):
        raise ClientRefused(f"the JWT signature does not verify with key {key.kid!r} of {iss}")
    for name in REQUIRED_CLAIMS:
        if name not in claims:
            raise ClientRefused(f"the JWT lacks the {name} claim")
    audiences = {endpoint_url, endpoint_url.rstrip("/"), endpoint_url.rstrip("/") + "/"}
    aud = claims["aud"]
    named = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) and all(isinstance(a, str) for a in aud) else None
    if named is None:
        raise ClientRefused("JWT claim aud must be a string or a list of strings")
    if not audiences.intersection(named):
        raise ClientRefused(f"JWT aud {aud!r} is not this endpoint ({endpoint_url})")
    if claims["iss"] != iss:
        raise ClientRefused(f"JWT iss {claims['iss']!r} is not the issuer whose key verified it")
    return claims


def _check_key_fits(key: SigningKey, alg: str, kid: str) -> None:
    # A key of another family or curve would fail inside PyJWT with a less helpful message.
    if key.alg and key.alg != alg:
        raise ClientRefused(f"key {kid!r} is for {key.alg}, the JWT is signed with {alg}")
    public = key.public
    if alg[:2] in ("RS", "PS") and not isinstance(public, RSAPublicKey):
        raise ClientRefused(f"key {kid!r} is not an RSA key; the JWT is signed with {alg}")
    if alg[:2] == "ES" and not (isinstance(public, EllipticCurvePublicKey) and public.curve.name == _CURVES[alg]):
        raise ClientRefused(f"key {kid!r} is not an EC key on the curve {alg} needs")
