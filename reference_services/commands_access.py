"""Write side of the access service: SSH public keys and service accounts.

Only public SSH keys are accepted (a private key is refused); the service stores the key and its OpenSSH
SHA256 fingerprint, and never holds or returns key material the user keeps. API keys are not issued here:
issuing one would mean returning a secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct

from reference_services._commands import Command, CommandRequest, Document, Rejected

NAME = re.compile(r"^[a-z][a-z0-9-]{2,62}$")
KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def _fingerprint(public_key: str) -> str:
    if "PRIVATE KEY" in public_key.upper():
        raise Rejected(422, "private_key_refused", "that is a private key; send the public key", "public_key")
    parts = public_key.split()
    try:
        blob = base64.b64decode(parts[1], validate=True)
        (length,) = struct.unpack(">I", blob[:4])
        if blob[4 : 4 + length].decode("ascii") != parts[0]:
            raise ValueError(parts[0])
    except (IndexError, binascii.Error, struct.error, UnicodeDecodeError, ValueError):
        raise Rejected(422, "invalid_public_key", "not an OpenSSH public key", "public_key") from None
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def create_ssh_key(request: CommandRequest) -> Document:
    """Register a user's SSH public key."""
    if (request.text("kind", required=False, max_length=32) or "ssh_key") != "ssh_key":
        raise Rejected(422, "unsupported_kind", "only SSH public keys are registered through this command", "kind")
    owner = request.text("owner_id", max_length=128)
    name = request.text("name", max_length=64) or ""
    public_key = (request.text("public_key", max_length=8192) or "").strip()
    if not KEY_NAME.match(name):
        raise Rejected(422, "invalid_name", "key names are letters, digits, '.', '_' and '-'", "name")
    fingerprint = _fingerprint(public_key)
    mine = [
        c
        for c in request.find("credentials", {"owner_id": [owner]})
        if c["kind"] == "ssh_key" and not c.get("revoked_at")
    ]
    if any(c.get("fingerprint") == fingerprint for c in mine):
        raise Rejected(409, "ssh_key_exists", "this public key is already registered", "public_key")
    if any(c["name"] == name for c in mine):
        raise Rejected(409, "name_taken", f"you already have an SSH key named {name!r}", "name")
    return request.save(
        "credentials",
        {
            "id": request.new_id("cred"),
            "tenant_id": request.text("tenant_id", required=False, max_length=128),
            "project_id": None,
            "name": name,
            "kind": "ssh_key",
            "owner_type": "user",
            "owner_id": owner,
            "prefix": None,
            "last_four": fingerprint[-4:],
            "fingerprint": fingerprint,
            "created_at": request.now,
            "last_used_at": None,
            "expires_at": None,
            "revoked_at": None,
            "public_key": " ".join(public_key.split()[:2]),
            "secret_value": None,
            "private_key": None,
        },
    )


def create_service_account(request: CommandRequest) -> Document:
    """A non-human identity in a project (its keys are issued separately)."""
    project_id = request.text("project_id", max_length=128)
    name = request.text("name", max_length=64) or ""
    if not NAME.match(name):
        raise Rejected(422, "invalid_name", "names are 3-63 of a-z, 0-9 and -, starting with a letter", "name")
    if any(a["name"] == name for a in request.find("service-accounts", {"project_id": [project_id]})):
        raise Rejected(409, "name_taken", f"the project already has a service account named {name!r}", "name")
    return request.save(
        "service-accounts",
        {
            "id": request.new_id("sa"),
            "tenant_id": request.text("tenant_id", max_length=128),
            "project_id": project_id,
            "name": name,
            "description": request.text("description", required=False, max_length=500) or "",
            "created_at": request.now,
            "created_by": request.actor_id,
            "last_used_at": None,
            "disabled": False,
        },
    )


COMMANDS = (
    Command(
        "credentials",
        "Register an SSH public key (fingerprint computed, private keys refused)",
        create_ssh_key,
        body={"tenant_id": "string", "owner_id": "string", "kind": "string", "name": "string", "public_key": "string"},
    ),
    Command(
        "service-accounts",
        "Create a service account in a project",
        create_service_account,
        body={"tenant_id": "string", "project_id": "string", "name": "string", "description": "string"},
    ),
)
