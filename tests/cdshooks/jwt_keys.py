"""A CDS client's signing keys for the tests: ES384 and RS384 key pairs made here, their JWK Set, signed tokens."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISS = "https://ehr.example-hospital.org/"


@dataclass
class ClientKey:
    kid: str
    alg: str
    private: Any

    @classmethod
    def new(cls, alg: str = "ES384", kid: str | None = None) -> ClientKey:
        private = ec.generate_private_key(ec.SECP384R1()) if alg.startswith("ES") else rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"{alg.lower()}-{uuid.uuid4().hex[:8]}", alg, private)

    def jwk(self) -> dict[str, Any]:
        algorithm = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
        return {**algorithm.to_jwk(self.private.public_key(), as_dict=True), "kid": self.kid, "alg": self.alg, "use": "sig"}

    def token(self, aud: str | list[str], *, iss: str = ISS, now: float | None = None, lifetime: float = 240,
              headers: dict[str, Any] | None = None, drop: tuple[str, ...] = (), **claims: Any) -> str:
        now = time.time() if now is None else now
        payload = {"iss": iss, "sub": "ehr-client-7", "aud": aud, "iat": int(now), "exp": int(now + lifetime), "jti": str(uuid.uuid4()), **claims}
        for name in drop:
            payload.pop(name)
        return jwt.encode(payload, self.private, algorithm=self.alg, headers={"kid": self.kid, "typ": "JWT", **(headers or {})})


def jwks(*keys: ClientKey) -> dict[str, Any]:
    return {"keys": [k.jwk() for k in keys]}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
