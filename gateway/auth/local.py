"""The gateway's own signing key for development tokens (``gateway token``, GraphiQL's persona picker).

The key is ES256 (P-256). With a data directory it is kept in ``<data_dir>/gateway-signing-key.pem``
(mode 0600, created atomically so concurrent processes agree on one key) and every process on the
machine verifies the tokens of every other; without one it lives in memory only. Production mode
never trusts it (``SecuritySettings.validate``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.auth.principal import PRINCIPAL_TYPE_CLAIM

LOCAL_ISSUER = "urn:controlplane-gateway:local"
KEY_FILE = "gateway-signing-key.pem"
ALGORITHM = "ES256"
# Demo personas of the embedded reference data (the same users the README's persona table names).
DEV_PERSONAS = {"member": "u-marco", "project-admin": "u-priya", "tenant-admin": "u-tara", "operator": "u-olivia"}


class LocalSigner:
    """Signs development tokens and publishes the matching public key as a JWKS."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self.public_jwk: dict[str, Any] = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.public_key))
        self.kid = _thumbprint(self.public_jwk)
        self.public_jwk.update({"kid": self.kid, "alg": ALGORITHM, "use": "sig"})

    @classmethod
    def load_or_create(cls, data_dir: str | os.PathLike[str] | None) -> LocalSigner:
        """The key in ``data_dir`` (created on first use), or a fresh in-memory key without one."""
        if data_dir is None:
            return cls(ec.generate_private_key(ec.SECP256R1()))
        directory = Path(data_dir)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = directory / KEY_FILE
        if not path.exists():
            _create_key_file(path)
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)  # a copied or restored file: make it private again
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} does not hold an EC private key")
        return cls(key)

    def jwks(self) -> dict[str, Any]:
        """The public key set tokens of this signer verify against."""
        return {"keys": [self.public_jwk]}

    def mint(
        self,
        subject: str,
        *,
        audience: str,
        tenant: str | None = None,
        roles: Iterable[str] | None = None,
        ttl_seconds: int = 3600,
        now: float | None = None,
        tenant_claim: str = "tenant",
        roles_claim: str = "roles",
        principal_type: str | None = None,
    ) -> str:
        """A signed token for ``subject``; ``tenant``/``roles`` become claims the gateway cross-checks.

        ``principal_type="service_account"`` makes it a service account's token (``subject`` is then the
        account's id), shaped like the client-credentials tokens of an identity provider.
        """
        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "iss": LOCAL_ISSUER,
            "aud": audience,
            "sub": subject,
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl_seconds,
            "jti": uuid.uuid4().hex,
            tenant_claim: tenant,
        }
        if roles is not None:
            claims[roles_claim] = sorted(roles)
        if principal_type is not None:
            claims[PRINCIPAL_TYPE_CLAIM] = principal_type
        return jwt.encode(claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self.kid})


def _create_key_file(path: Path) -> None:
    """Write a new key beside ``path`` and link it into place: readers never see a partial file."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        with contextlib.suppress(FileExistsError):  # another process got there first: theirs wins
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint: a stable ``kid`` derived from the public key."""
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
