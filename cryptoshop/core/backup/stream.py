"""The archive's encryption: a passphrase stretched with scrypt, then AES-256-GCM over
chunks of 1 MiB, so a dump of any size is sealed and opened in constant memory.

Layout: a header (magic, format version, scrypt parameters, salt, nonce prefix and a key
check), then chunks, each a 4-byte length and its ciphertext. A chunk's nonce is the
prefix, its number and a last-chunk flag (the STREAM construction), and the header is its
associated data, so chunks can't be reordered, dropped, duplicated or cut off, nor the
header's parameters changed, without a chunk failing to authenticate. The last chunk
carries the flag: a file that ends without it was truncated.

The key check is scrypt output the chunk key is not made from: a wrong passphrase is told
apart from a damaged archive, and costs an attacker no less than trying the first chunk.

No Django: the format is testable on its own and readable by a script years later.
"""

from __future__ import annotations

import hmac
import secrets
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"CSBACKUP"
FORMAT_VERSION = 1
CHUNK_BYTES = 1 << 20
TAG_BYTES = 16
# 2**17 * 8 * 128 bytes = 128 MiB of memory and ~0.3 s per guess on one core.
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 17, 8, 1
# What a reader accepts: an archive must not make restore allocate gigabytes.
MAX_LOG2_N, MAX_R, MAX_P = 20, 16, 4
HEADER = struct.Struct(">8sBBBB16s7s32s")  # magic, version, log2 n, r, p, salt, prefix, check
LENGTH = struct.Struct(">I")


class BackupError(Exception):
    """Anything that stops a backup or a restore, with a message for the operator."""


class WrongPassphrase(BackupError):
    pass


class ArchiveDamaged(BackupError):
    pass


def _derive(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> tuple[bytes, bytes]:
    """(chunk key, key check) from the passphrase."""
    out = Scrypt(salt=salt, length=64, n=1 << log2_n, r=r, p=p).derive(passphrase.encode())
    return out[:32], out[32:]


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= 1 << 32:
        raise BackupError("archive too large for one stream (4 PiB)")
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only file object: what is written is sealed chunk by chunk into ``out``.
    ``finish()`` seals the last chunk; a writer never finished leaves a truncated file,
    which a reader refuses."""

    def __init__(self, out: BinaryIO, passphrase: str) -> None:
        salt, prefix = secrets.token_bytes(16), secrets.token_bytes(7)
        key, check = _derive(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
        self._header = HEADER.pack(MAGIC, FORMAT_VERSION, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P,
                                   salt, prefix, check)
        self._aead, self._prefix, self._out = AESGCM(key), prefix, out
        self._buffer = bytearray()
        self._counter = 0
        out.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK_BYTES:  # ">": the last chunk is never empty-by-split
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), plain,
                                    self._header)
        self._out.write(LENGTH.pack(len(sealed)) + sealed)
        self._counter += 1

    def finish(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()


class DecryptingReader:
    """A read-only file object over an archive: each chunk is authenticated before any
    of it is returned. Raises ``WrongPassphrase`` at once, ``ArchiveDamaged`` at the first
    altered, missing or extra byte."""

    def __init__(self, source: BinaryIO, passphrase: str) -> None:
        self._source = source
        self._header = source.read(HEADER.size)
        if len(self._header) < HEADER.size:
            raise ArchiveDamaged("not a CryptoShop backup (too short)")
        magic, version, log2_n, r, p, salt, prefix, check = HEADER.unpack(self._header)
        if magic != MAGIC:
            raise ArchiveDamaged("not a CryptoShop backup (wrong magic bytes)")
        if version != FORMAT_VERSION:
            raise ArchiveDamaged(f"backup format {version} is not supported (this code "
                                 f"reads {FORMAT_VERSION})")
        if not (1 <= log2_n <= MAX_LOG2_N and 1 <= r <= MAX_R and 1 <= p <= MAX_P):
            raise ArchiveDamaged("the archive's key-stretching parameters are out of range")
        key, expected = _derive(passphrase, salt, log2_n, r, p)
        if not hmac.compare_digest(check, expected):
            raise WrongPassphrase("wrong passphrase for this backup (or its header was "
                                  "altered)")
        self._aead, self._prefix = AESGCM(key), prefix
        self._counter = 0
        self._plain = b""
        self._done = False

    def _next_chunk(self) -> None:
        head = self._source.read(LENGTH.size)
        if len(head) < LENGTH.size:
            raise ArchiveDamaged("the archive is truncated (its last chunk is missing)")
        (size,) = LENGTH.unpack(head)
        if not TAG_BYTES <= size <= CHUNK_BYTES + TAG_BYTES:
            raise ArchiveDamaged(f"the archive is damaged (chunk {self._counter} has an "
                                 f"impossible length)")
        sealed = self._source.read(size)
        if len(sealed) < size:
            raise ArchiveDamaged("the archive is truncated (a chunk is cut short)")
        self._plain = self._open(sealed)

    def _open(self, sealed: bytes) -> bytes:
        for last in (False, True):
            try:
                plain = self._aead.decrypt(_nonce(self._prefix, self._counter, last), sealed,
                                           self._header)
            except InvalidTag:
                continue
            self._counter += 1
            if last:
                self._done = True
                if self._source.read(1):
                    raise ArchiveDamaged("the archive has data after its last chunk")
            return plain
        raise ArchiveDamaged(f"the archive is damaged or was altered (chunk {self._counter} "
                             "fails authentication)")

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = size if size >= 0 else None
        while wanted is None or wanted > 0:
            if not self._plain:
                if self._done:
                    break
                self._next_chunk()
                continue
            take = self._plain if wanted is None else self._plain[:wanted]
            self._plain = self._plain[len(take):]
            parts.append(take)
            if wanted is not None:
                wanted -= len(take)
        return b"".join(parts)

    def drain(self) -> None:
        """Read (and authenticate) the rest, up to the last chunk."""
        while self.read(CHUNK_BYTES):
            pass
