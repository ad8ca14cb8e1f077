"""The backup archive's encryption (core/backup/stream.py): what goes in comes out over
chunk boundaries, and a wrong passphrase, any altered byte, a cut-off end, data appended,
or chunks swapped are refused before any of their plaintext is handed out."""

from __future__ import annotations

import io
import struct

import pytest

from cryptoshop.core.backup.stream import (
    CHUNK_BYTES,
    HEADER,
    ArchiveDamaged,
    DecryptingReader,
    EncryptingWriter,
    WrongPassphrase,
)

PHRASE = "correct horse battery staple"
# Two full chunks and a partial third: every boundary case of the writer.
PLAIN = bytes(range(256)) * ((2 * CHUNK_BYTES + 12_345) // 256)


def _seal(data: bytes, phrase: str = PHRASE) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, phrase)
    for start in range(0, len(data), 100_000):  # written in pieces, as tarfile does
        writer.write(data[start:start + 100_000])
    writer.finish()
    return out.getvalue()


def _open(sealed: bytes, phrase: str = PHRASE) -> bytes:
    return DecryptingReader(io.BytesIO(sealed), phrase).read()


@pytest.fixture(scope="module")
def sealed() -> bytes:
    return _seal(PLAIN)


def _chunk_offsets(blob: bytes) -> list[int]:
    offsets, at = [], HEADER.size
    while at < len(blob):
        offsets.append(at)
        at += 4 + struct.unpack(">I", blob[at:at + 4])[0]
    return offsets


def test_round_trip_over_chunk_boundaries(sealed: bytes) -> None:
    assert len(_chunk_offsets(sealed)) == 3
    assert PLAIN not in sealed and PLAIN[:64] not in sealed
    assert _open(sealed) == PLAIN
    reader = DecryptingReader(io.BytesIO(sealed), PHRASE)
    pieces = []
    while piece := reader.read(777_777):  # reads that straddle chunks
        pieces.append(piece)
    assert b"".join(pieces) == PLAIN
    assert _open(_seal(b"")) == b""
    # The same input twice: a fresh salt and nonce prefix each time.
    assert _seal(b"x") != _seal(b"x")


def test_wrong_passphrase_is_told_apart(sealed: bytes) -> None:
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        DecryptingReader(io.BytesIO(sealed), PHRASE + "!")


@pytest.mark.parametrize("where", ["salt", "first chunk", "last chunk", "length"])
def test_an_altered_byte_is_refused(sealed: bytes, where: str) -> None:
    offsets = _chunk_offsets(sealed)
    at = {"salt": 12, "first chunk": offsets[0] + 4 + 1000, "last chunk": len(sealed) - 3,
          "length": offsets[1] + 3}[where]
    damaged = bytearray(sealed)
    damaged[at] ^= 0x01
    with pytest.raises((ArchiveDamaged, WrongPassphrase)):
        _open(bytes(damaged))


def test_a_changed_first_chunk_yields_nothing(sealed: bytes) -> None:
    damaged = bytearray(sealed)
    damaged[_chunk_offsets(sealed)[0] + 50] ^= 0x80
    reader = DecryptingReader(io.BytesIO(bytes(damaged)), PHRASE)
    with pytest.raises(ArchiveDamaged, match="altered"):
        reader.read(10)  # not even the first bytes of the bad chunk come out


@pytest.mark.parametrize("keep", ["header", "one chunk", "last chunk but a byte"])
def test_truncation_is_refused(sealed: bytes, keep: str) -> None:
    offsets = _chunk_offsets(sealed)
    cut = {"header": HEADER.size, "one chunk": offsets[1],
           "last chunk but a byte": len(sealed) - 1}[keep]
    with pytest.raises(ArchiveDamaged, match="truncated"):
        _open(sealed[:cut])


def test_appended_data_and_swapped_chunks_are_refused(sealed: bytes) -> None:
    with pytest.raises(ArchiveDamaged, match="after its last chunk"):
        _open(sealed + b"\x00")
    a, b, c = _chunk_offsets(sealed)
    swapped = sealed[:a] + sealed[b:c] + sealed[a:b] + sealed[c:]
    with pytest.raises(ArchiveDamaged, match="altered"):
        _open(swapped)
    # A whole archive's last chunk put after this one's first: another key, refused.
    other = _seal(b"other", PHRASE)
    spliced = sealed[:b] + other[_chunk_offsets(other)[0]:]
    with pytest.raises(ArchiveDamaged):
        _open(spliced)


def test_not_an_archive() -> None:
    with pytest.raises(ArchiveDamaged, match="not a CryptoShop backup"):
        _open(b"PK\x03\x04" + bytes(100))
