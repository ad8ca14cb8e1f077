"""The archive's contents: a tar stream (inside the encryption of stream.py) holding the
database dump, the media files, the secrets and, last, a manifest with every file's size
and SHA-256 (last, so the hashes are taken while the files stream past).

Reading stages every file under a directory the caller gives (inside the target var dir)
and checks the manifest before anything is put in place: a damaged or altered archive
leaves nothing restored. Member names are checked before a byte is written: only regular
files under the three known folders, no absolute paths, no "..".

No Django.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from cryptoshop.core.backup.stream import (
    ArchiveDamaged,
    BackupError,
    DecryptingReader,
    EncryptingWriter,
)

MANIFEST = "manifest.json"
FOLDERS = ("database", "media", "secrets")
COPY_BYTES = 1 << 20


@dataclass(frozen=True)
class Entry:
    """One file to archive: its name in the archive and where its bytes come from."""

    name: str
    path: Path | None = None
    data: bytes | None = None  # in memory (the secrets: never written out to be archived)


class _Hashing:
    """Reads through to ``source``, hashing and counting what passes."""

    def __init__(self, source: BinaryIO) -> None:
        self.source, self.sha256, self.size = source, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _add(tar: tarfile.TarFile, entry: Entry) -> dict[str, Any]:
    info = tarfile.TarInfo(entry.name)
    info.mode = 0o600
    if entry.data is not None:
        info.size = len(entry.data)
        reader = _Hashing(io.BytesIO(entry.data))
        tar.addfile(info, reader)
    else:
        assert entry.path is not None
        with entry.path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            info.size, info.mtime = stat.st_size, int(stat.st_mtime)
            info.mode = stat.st_mode & 0o777
            reader = _Hashing(handle)
            tar.addfile(info, reader)
    return {"name": entry.name, "size": reader.size, "sha256": reader.sha256.hexdigest(),
            "mode": info.mode}


def write_archive(out: BinaryIO, passphrase: str, entries: Iterable[Entry],
                  manifest: dict[str, Any]) -> dict[str, Any]:
    """Seal ``entries`` and then the manifest (``manifest`` plus the file list) into
    ``out``; returns the manifest written."""
    sealed = EncryptingWriter(out, passphrase)
    files: list[dict[str, Any]] = []
    with tarfile.open(fileobj=sealed, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
        for entry in entries:
            files.append(_add(tar, entry))
        full = {**manifest, "files": files}
        _add(tar, Entry(MANIFEST, data=json.dumps(full, indent=2).encode()))
    sealed.finish()
    return full


def _safe_name(member: tarfile.TarInfo) -> PurePosixPath:
    name = PurePosixPath(member.name)
    if not member.isfile():
        raise ArchiveDamaged(f"the archive holds {member.name!r}, which is not a plain file")
    if member.name == MANIFEST:
        return name
    if name.is_absolute() or ".." in name.parts or name.parts[0] not in FOLDERS \
            or len(name.parts) < 2:
        raise ArchiveDamaged(f"the archive holds an unexpected path {member.name!r}")
    return name


def _stage(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> dict[str, Any]:
    source = tar.extractfile(member)
    if source is None:
        raise ArchiveDamaged(f"cannot read {member.name!r} from the archive")
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(COPY_BYTES):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"name": member.name, "size": size, "sha256": digest.hexdigest()}


def read_archive(source: BinaryIO, passphrase: str, staging: Path) -> dict[str, Any]:
    """Authenticate the whole archive, write its files under ``staging`` and return its
    manifest once every file matches it (``ArchiveDamaged`` otherwise)."""
    sealed = DecryptingReader(source, passphrase)
    seen: list[dict[str, Any]] = []
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(fileobj=sealed, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                name = _safe_name(member)
                if manifest is not None:
                    raise ArchiveDamaged("the archive has files after its manifest")
                if member.name == MANIFEST:
                    manifest = _read_manifest(tar, member)
                else:
                    seen.append(_stage(tar, member, staging.joinpath(*name.parts)))
    except (tarfile.TarError, FileExistsError) as exc:
        raise ArchiveDamaged(f"the archive's contents are damaged: {exc}") from exc
    sealed.drain()
    if manifest is None:
        raise ArchiveDamaged("the archive has no manifest")
    _check_files(manifest, seen)
    return manifest


def _read_manifest(tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict[str, Any]:
    source = tar.extractfile(member)
    try:
        data = json.loads(source.read() if source is not None else b"")
    except ValueError as exc:
        raise ArchiveDamaged("the archive's manifest is not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise ArchiveDamaged("the archive's manifest has no file list")
    return data


def _check_files(manifest: dict[str, Any], seen: list[dict[str, Any]]) -> None:
    listed = {str(f.get("name")): f for f in manifest["files"] if isinstance(f, dict)}
    found = {f["name"]: f for f in seen}
    if set(listed) != set(found):
        missing = sorted(set(listed) - set(found))
        extra = sorted(set(found) - set(listed))
        raise ArchiveDamaged(f"the archive's files differ from its manifest (missing: "
                             f"{missing[:5]}, not listed: {extra[:5]})")
    for name, got in found.items():
        want = listed[name]
        if want.get("sha256") != got["sha256"] or want.get("size") != got["size"]:
            raise ArchiveDamaged(f"{name} does not match its SHA-256 in the manifest")


__all__ = ["BackupError", "Entry", "read_archive", "write_archive"]
