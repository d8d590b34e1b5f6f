"""SSH public keys: parse what a user pasted, refuse private keys, compute the OpenSSH fingerprint."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
MAX_KEY_LENGTH = 8192


@dataclass(frozen=True)
class PublicKey:
    """A parsed public key: its type, the canonical ``type base64`` text and its SHA256 fingerprint."""

    key_type: str
    canonical: str
    fingerprint: str


def parse_public_key(text: str) -> PublicKey | str:
    """The key, or a message saying why the text is not an SSH public key."""
    text = text.strip()
    if "PRIVATE KEY" in text.upper():
        return "That is a private key: paste the public key (the .pub file); private keys never leave your machine."
    if len(text) > MAX_KEY_LENGTH:
        return f"A public key is at most {MAX_KEY_LENGTH} characters."
    parts = text.split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        return f"Expected an OpenSSH public key starting with one of {', '.join(KEY_TYPES[:3])}, ..."
    try:
        blob = base64.b64decode(parts[1], validate=True)
        (length,) = struct.unpack(">I", blob[:4])
        embedded = blob[4 : 4 + length].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError, ValueError):
        return "The key data is not valid base64 of an SSH key."
    if embedded != parts[0]:
        return f"The key data is a {embedded or 'different'} key, not {parts[0]}."
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return PublicKey(parts[0], f"{parts[0]} {parts[1]}", f"SHA256:{digest}")
