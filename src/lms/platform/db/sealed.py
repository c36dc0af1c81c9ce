"""Personal data sealed at rest: column types that encrypt on write and decrypt on read.

A sealed value is stored as ``v1.<key id>.<base64url(nonce + ciphertext)>``: AES-256-GCM
(the `cryptography` package) under the keyring's primary key, with a fresh 96-bit nonce per
value and the column's purpose (e.g. ``customers.phone``) as associated data, so a value
copied into another column does not open. The keyring comes from the setting ``LMS_PII_KEYS``
(``id:base64-key,id:base64-key``; the first seals, every one opens, which is how a key is
rotated: put the new one first, run ``lms pii rotate``, then drop the old one). Unset, the
embedded product keeps one generated key in the data folder (``pii.key``, mode 0600).

Guarantees: the database never holds the clear text of a sealed column; a value sealed under
any key of the keyring opens; a value whose key is missing, or that was altered, raises
`SealError` instead of returning anything; `None` stays `None`.

A blind index lets a sealed value be found without opening every row: HMAC-SHA256 of the
normalised value under a key derived from a keyring key (HKDF, per purpose), stored beside
it. The same value gives the same index under the same key and nothing about the value
without the key; a search asks for the indexes under every key of the keyring, so rows
indexed before a rotation are found until `lms pii rotate` indexes them again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Table, Text, bindparam, select, type_coerce, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

_VERSION = "v1"
_NONCE = 12


class SealError(ValueError):
    """A sealed value that cannot be opened (unknown key, altered text) or a bad keyring."""


@dataclass(frozen=True)
class Keyring:
    primary: str
    keys: dict[str, AESGCM]
    raw: dict[str, bytes] = field(default_factory=dict, repr=False)  # for the blind indexes

    def blind_index(self, text: str, purpose: str, key_id: str | None = None) -> str:
        """The blind index of `text` under key `key_id` (default: the primary)."""
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=f"lms blind index {purpose}".encode()).derive(self.raw[key_id or self.primary])  # fmt: skip
        return hmac.new(derived, text.encode(), hashlib.sha256).hexdigest()

    def blind_indexes(self, text: str, purpose: str) -> list[str]:
        """The blind indexes of `text` under every key (what a search asks for)."""
        return [self.blind_index(text, purpose, key_id) for key_id in self.keys]

    def seal(self, text: str, purpose: str) -> str:
        nonce = os.urandom(_NONCE)
        box = self.keys[self.primary].encrypt(nonce, text.encode(), purpose.encode())
        return f"{_VERSION}.{self.primary}.{base64.urlsafe_b64encode(nonce + box).decode()}"

    def open(self, sealed: str, purpose: str) -> str:
        version, key_id, body = [*sealed.split(".", 2), "", ""][:3]
        if version != _VERSION or key_id not in self.keys:
            raise SealError(f"a {purpose} value sealed under an unknown key ({key_id!r})")
        try:
            raw = base64.urlsafe_b64decode(body)
            clear = self.keys[key_id].decrypt(raw[:_NONCE], raw[_NONCE:], purpose.encode())
        except (InvalidTag, ValueError) as error:
            raise SealError(f"a {purpose} value does not open: altered or truncated") from error
        return clear.decode()

    def key_of(self, sealed: str) -> str:
        return sealed.split(".", 2)[1] if sealed.count(".") >= 2 else ""


def phone_digits(text: str | None) -> str | None:
    """A phone number as it is indexed: its last ten digits (an Indian mobile number without
    +91 or a leading 0), or None when it has fewer than ten."""
    digits = "".join(c for c in text or "" if c.isascii() and c.isdigit())
    return digits[-10:] if len(digits) >= 10 else None


def parse_keyring(spec: str) -> Keyring:
    """``id:base64key,...`` (32-byte keys); the first is the primary."""
    keys: dict[str, AESGCM] = {}
    raw: dict[str, bytes] = {}
    order: list[str] = []
    for item in (part.strip() for part in spec.split(",")):
        key_id, _, encoded = item.partition(":")
        if not key_id.isalnum() or key_id in keys:
            raise SealError(f"LMS_PII_KEYS: key id {key_id!r} must be letters/digits, once each")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError as error:
            raise SealError(f"LMS_PII_KEYS: key {key_id!r} is not base64") from error
        if len(key) != 32:
            raise SealError(f"LMS_PII_KEYS: key {key_id!r} must be 32 bytes (256 bits)")
        keys[key_id], raw[key_id] = AESGCM(key), key
        order.append(key_id)
    return Keyring(order[0], keys, raw)


def new_key_spec(key_id: str) -> str:
    """A fresh ``id:base64key`` entry for LMS_PII_KEYS."""
    return f"{key_id}:{base64.urlsafe_b64encode(AESGCM.generate_key(256)).decode()}"


_lock = threading.Lock()
_rings: dict[str, Keyring] = {}
_by_place: dict[tuple[str | None, ...], Keyring] = {}
_PLACE = ("LMS_PII_KEYS", "XDG_DATA_HOME", "HOME")  # all that decides which keyring


def keyring() -> Keyring:
    """The keyring the settings name: parsed once per distinct value, and looked up by the
    few variables that name it (a sealed value is opened thousands of times a second, so
    neither the settings nor the embedded key's file are read again for each)."""
    place = tuple(os.environ.get(name) for name in _PLACE)
    ring = _by_place.get(place)
    if ring is None:
        ring = _by_place[place] = _named_keyring()
    return ring


def _named_keyring() -> Keyring:
    from lms.platform.settings import data_folder, get_settings

    spec = get_settings().pii_keys or _embedded_key(data_folder() / "pii.key")
    with _lock:
        if spec not in _rings:
            _rings[spec] = parse_keyring(spec)
        return _rings[spec]


def _embedded_key(path: Path) -> str:
    """The embedded product's one key, generated on first use and kept beside the book."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(descriptor, "w") as out:
                out.write(new_key_spec("k1"))
    return path.read_text().strip()


class Sealed(TypeDecorator[str]):
    """Text sealed at rest; `purpose` (``table.column``) binds a value to its column."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "":  # nothing to hide: kept comparable (`!= ""`)
            return value  # type: ignore[no-any-return]
        return keyring().seal(self.to_text(value), self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or value == "":
            return value
        return self.from_text(keyring().open(value, self.purpose))

    def to_text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError(f"{self.purpose} takes text, not {type(value).__name__}")
        return value

    def from_text(self, text: str) -> Any:
        return text


class SealedDate(Sealed):
    """A date sealed at rest (ISO text inside)."""

    cache_ok = True

    def to_text(self, value: Any) -> str:
        if not isinstance(value, date):
            raise TypeError(f"{self.purpose} takes a date, not {type(value).__name__}")
        return value.isoformat()

    def from_text(self, text: str) -> Any:
        return date.fromisoformat(text)


class SealedJSON(Sealed):
    """A JSON document (an account, a list of addresses) sealed at rest."""

    cache_ok = True

    def to_text(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))

    def from_text(self, text: str) -> Any:
        return json.loads(text)


def reseal(session: Session, tables: list[Table]) -> dict[str, int]:
    """Seal again, under the primary key, every value of `tables`' sealed columns that another
    key of the keyring sealed (a key rotation); the counts by ``table.column``. Run it after
    putting a new key first in LMS_PII_KEYS; the old key can go once it reports nothing."""
    ring, done = keyring(), {}
    for table in tables:
        for column in table.c:
            if not isinstance(column.type, Sealed):
                continue
            (key,) = table.primary_key.columns  # sealed columns live in tables keyed by id
            purpose, raw = column.type.purpose, type_coerce(column, Text())
            rows = session.execute(
                select(key, raw).where(raw.not_like(f"{_VERSION}.{ring.primary}.%"), raw != "")
            ).all()
            statement = update(table).where(key == bindparam("k"))
            statement = statement.values({column.name: bindparam("v", type_=Text())})
            for start in range(0, len(rows), 10_000):
                session.execute(statement, [
                    {"k": k, "v": ring.seal(ring.open(v, purpose), purpose)}
                    for k, v in rows[start : start + 10_000]
                ])  # fmt: skip
            done[purpose] = len(rows)
    return done
