"""Encrypted backups: the only form in which a backup leaves the server through the browser.

A download is served by Streamlit's media file handler at `/media/<hash>`, which asks for no
login: whoever has the address has the file. So the Beheer page hands out the database only
encrypted with a passphrase the beheerder chooses (never stored); an unencrypted copy is made
on the server with `python -m research backup`, and `restore` and `decrypt-backup` open an
encrypted one there.

The format is this app's own, built from two well-kept libraries the app already depends on:
the key is derived with Argon2id (argon2-cffi; 64 MiB, 3 passes, the parameters of the login
hashes, stored in the header so they can grow) from the passphrase and a random salt, and the
data are encrypted with AES-256-GCM (pyca/cryptography) in chunks of 1 MiB, each with its own
nonce (its number, and a flag on the last one) and the header as associated data, so a
changed, reordered, cut or extended file is refused. A password-protected zip (WinZip AES)
would open in 7-Zip, but derives its key with 1,000 rounds of PBKDF2-SHA1, which an offline
attacker guesses through cheaply; the file here is as slow to guess as a login.
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from research import passwords
from research.accounts import User, require
from research.errors import UserError
from research.schema import backup_copy
from research.storage import Store

MAGIC = b"OWP-BACKUP\x00\x01"  # the app's name, and format version 1
_PARAMS = struct.Struct("<IIII")  # Argon2 time cost, memory (KiB), parallelism; chunk size
HEADER_SIZE = len(MAGIC) + _PARAMS.size + 16
TIME_COST, MEMORY_KIB, PARALLELISM = 3, 65536, 4
CHUNK = 1 << 20
TAG = 16
MIN_PASSPHRASE = 12
SUFFIX = ".db.versleuteld"
# A header may not make opening a file cost more than this (a crafted file as a denial of service).
_LIMITS = (10, 1 << 20, 16, 64 << 20)


class SealError(UserError):
    """A refused encryption or an encrypted backup that cannot be opened, in Dutch."""


def check_passphrase(passphrase: str) -> None:
    """Refuse a passphrase that is short or easy to guess (the password rules, 12 characters)."""
    reason = passwords.problem(passphrase, min_length=MIN_PASSPHRASE)
    if reason:
        raise SealError(reason)


def _key(passphrase: str, salt: bytes, time_cost: int, memory_kib: int, parallelism: int) -> bytes:
    return hash_secret_raw(passphrase.encode("utf-8"), salt, time_cost=time_cost,
                           memory_cost=memory_kib, parallelism=parallelism, hash_len=32,
                           type=Type.ID)


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _pieces(reader: BinaryIO, size: int):
    """(piece, is_last) for consecutive pieces of `size` bytes; at least one, maybe empty."""
    current = reader.read(size)
    while True:
        following = reader.read(size)
        yield current, not following
        if not following:
            return
        current = following


def encrypt(reader: BinaryIO, writer: BinaryIO, passphrase: str) -> None:
    """Write the bytes of `reader` to `writer`, encrypted with `passphrase`."""
    check_passphrase(passphrase)
    salt = os.urandom(16)
    header = MAGIC + _PARAMS.pack(TIME_COST, MEMORY_KIB, PARALLELISM, CHUNK) + salt
    cipher = AESGCM(_key(passphrase, salt, TIME_COST, MEMORY_KIB, PARALLELISM))
    writer.write(header)
    for number, (piece, last) in enumerate(_pieces(reader, CHUNK)):
        writer.write(cipher.encrypt(_nonce(number, last), piece, header))


def is_sealed(path: str | os.PathLike) -> bool:
    """Whether the file is an encrypted backup of this app (by its first bytes)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def decrypt(reader: BinaryIO, writer: BinaryIO, passphrase: str) -> None:
    """Write the decrypted content of an encrypted backup to `writer`; SealError for a wrong
    passphrase or a changed file (nothing is trustworthy then: the caller discards `writer`)."""
    header = reader.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
        raise SealError("Dit is geen versleutelde back-up van deze app.")
    time_cost, memory_kib, parallelism, chunk = _PARAMS.unpack_from(header, len(MAGIC))
    if not all(1 <= value <= limit for value, limit in
               zip((time_cost, memory_kib, parallelism, chunk), _LIMITS, strict=True)):
        raise SealError("Deze versleutelde back-up is beschadigd (onmogelijke instellingen).")
    salt = header[len(MAGIC) + _PARAMS.size:]
    cipher = AESGCM(_key(passphrase, salt, time_cost, memory_kib, parallelism))
    for number, (piece, last) in enumerate(_pieces(reader, chunk + TAG)):
        try:
            writer.write(cipher.decrypt(_nonce(number, last), piece, header))
        except InvalidTag:
            raise SealError("Het wachtwoord van de back-up klopt niet, of het bestand is "
                            "beschadigd of ingekort.") from None


def decrypt_file(source: str | os.PathLike, target: str | os.PathLike, passphrase: str) -> Path:
    """Decrypt an encrypted backup into `target` (a file that does not exist yet); a failure
    leaves no file behind."""
    source, target = Path(source), Path(target)
    if not source.exists():
        raise SealError(f"{source} bestaat niet.")
    if target.exists():
        raise SealError(f"{target} bestaat al; kies een nieuwe bestandsnaam.")
    partial = target.with_name(target.name + ".deel")
    try:
        with open(source, "rb") as reader, open(partial, "wb") as writer:
            decrypt(reader, writer, passphrase)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def backup_download(store: Store, user: User, passphrase: str) -> tuple[bytes, str]:
    """A consistent copy of the database, encrypted with `passphrase`, for a beheerder to
    download; returns the bytes and a file name. Logged as a backup."""
    require(user, "admin")
    check_passphrase(passphrase)
    name = f"onderzoekswerkplaats-{datetime.now().strftime('%Y%m%d-%H%M')}{SUFFIX}"
    with tempfile.TemporaryDirectory() as folder:
        copy = backup_copy(store.path, Path(folder) / "kopie.db")
        sealed = io.BytesIO()
        with open(copy, "rb") as reader:
            encrypt(reader, sealed, passphrase)
    store.write(user.actor, lambda tx: tx.event("database", None, "backup", after={
        "bestand": name, "versleuteld": True}))
    return sealed.getvalue(), name
