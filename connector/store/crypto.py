"""NIR protection at rest: authenticated encryption plus a keyed hash for lookups.

* Encryption: AES-256-GCM with a random 96-bit nonce per value; the stored value is
  ``version byte || nonce || ciphertext+tag``. Tampering or a wrong key fails loudly.
* Lookups: HMAC-SHA256 of the 13-character NIR under a sub-key derived (HKDF) from the same
  master key, so equal NIRs can be found without decrypting and without a guessable plain hash.

The master key is 32 random bytes, from the ``security.nir_key`` setting (urlsafe base64) or,
by default, a key file created on first run with mode 0600 under the data directory. Losing the
key means losing the stored NIRs (they are re-read from Dendreo on the next sync).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from connector.errors import ConfigError, StoreError

_VERSION = b"\x01"
_AAD = b"passeport-connector:nir:v1"


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


class NirCipher:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ConfigError("The NIR encryption key must be 32 bytes (44 characters of urlsafe base64).")
        self._aead = AESGCM(_derive(master_key, b"nir-encryption"))
        self._mac_key = _derive(master_key, b"nir-lookup")

    def encrypt(self, plaintext: str) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), _AAD)

    def decrypt(self, token: bytes) -> str:
        if not token or token[:1] != _VERSION:
            raise StoreError("A stored NIR has an unknown format version.")
        try:
            return self._aead.decrypt(token[1:13], token[13:], _AAD).decode()
        except InvalidTag:
            raise StoreError(
                "A stored NIR cannot be decrypted: the NIR key differs from the one it was stored with."
            ) from None

    def lookup_hash(self, nir13: str) -> str:
        return hmac.new(self._mac_key, nir13.encode(), hashlib.sha256).hexdigest()


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def decode_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except ValueError:
        raise ConfigError("Setting 'security.nir_key' is not valid urlsafe base64.") from None
    if len(key) != 32:
        raise ConfigError("Setting 'security.nir_key' must decode to 32 bytes.")
    return key


def load_or_create_key_file(path: Path) -> tuple[bytes, bool]:
    """The master key from `path`, created (mode 0600) when missing. Returns (key, created)."""
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ConfigError(f"The NIR key file {path} is readable by others (mode {mode:o}); run: chmod 600 {path}")
        return decode_key(path.read_text()), False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(generate_key() + "\n")
    return decode_key(path.read_text()), True
