"""Making and checking secrets: password hashes (argon2id, argon2-cffi), bearer tokens (a
public prefix to find the record and a random secret stored only as its SHA-256), and TOTP
codes (RFC 6238, pyotp) for the second factor.

Guarantees: comparisons of secrets take constant time; a token is 256 bits of randomness from
the operating system; a TOTP code is accepted within one 30-second step either side.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
TOKEN_MARK = "lms"


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Token:
    """A bearer token as given to its holder once: `lms_<kind>_<prefix>_<secret>`."""

    kind: str  # "s" a staff session, "k" an API key, "b" a borrower's session
    prefix: str
    secret: str

    def __str__(self) -> str:
        return f"{TOKEN_MARK}_{self.kind}_{self.prefix}_{self.secret}"

    @property
    def secret_hash(self) -> str:
        return digest(self.secret)


def new_token(kind: str) -> Token:
    return Token(kind, secrets.token_hex(6), secrets.token_urlsafe(32))


def parse_token(text: str) -> Token | None:
    """The parts of a bearer token, or None if it is not one of ours."""
    parts = text.split("_", 3)
    if len(parts) != 4 or parts[0] != TOKEN_MARK or parts[1] not in ("s", "k", "b"):
        return None
    kind, prefix, secret = parts[1:]
    if not (0 < len(prefix) <= 16 and 0 < len(secret) <= 128 and prefix.isalnum()):
        return None
    return Token(kind, prefix, secret)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(stored_hash: str, secret: str) -> bool:
    return hmac.compare_digest(stored_hash, digest(secret))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_matches(secret: str, code: str) -> bool:
    return code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def totp_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app scans (as a QR code) to enrol."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="lms")
