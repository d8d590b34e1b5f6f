"""Authentication: bearer JWTs verified against a JWKS (or the gateway's own development key).

``Authenticator`` turns request headers into a ``Principal``; ``gateway.viewer`` turns the principal's
user id into a ``Viewer`` and cross-checks the token's claims against the access service.
"""

from gateway.auth.authenticate import DEV_VIEWER_HEADER, Authenticator
from gateway.auth.local import DEV_PERSONAS, LOCAL_ISSUER, LocalSigner
from gateway.auth.principal import Principal

__all__ = ["DEV_PERSONAS", "DEV_VIEWER_HEADER", "LOCAL_ISSUER", "Authenticator", "LocalSigner", "Principal"]
