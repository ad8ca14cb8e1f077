"""The backup archive's contents (core/backup/archive.py): files and the manifest round-trip
through the encrypted tar stream; an archive whose files don't match its manifest, or that
names a path outside the staging folder, is refused."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from cryptoshop.core.backup.archive import Entry, read_archive, write_archive
from cryptoshop.core.backup.stream import ArchiveDamaged, EncryptingWriter

PHRASE = "correct horse battery staple"


def _tar_archive(members: list[tuple[str, bytes]]) -> bytes:
    """An archive built by hand (what a forger with the passphrase could make)."""
    out = io.BytesIO()
    sealed = EncryptingWriter(out, PHRASE)
    with tarfile.open(fileobj=sealed, mode="w|") as tar:  # type: ignore[call-overload]
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    sealed.finish()
    return out.getvalue()


def _manifest(*files: tuple[str, bytes]) -> bytes:
    return json.dumps({"files": [{"name": n, "size": len(d),
                                  "sha256": hashlib.sha256(d).hexdigest()}
                                 for n, d in files]}).encode()


def test_files_and_manifest_round_trip(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8" + bytes(300_000))
    photo.chmod(0o640)
    out = io.BytesIO()
    written = write_archive(out, PHRASE, [
        Entry("database/db.sqlite3", data=b"SQLite format 3\x00"),
        Entry("media/listings/photo.jpg", path=photo),
    ], {"format": "test"})
    assert written["format"] == "test"
    assert [f["name"] for f in written["files"]] == ["database/db.sqlite3",
                                                     "media/listings/photo.jpg"]
    assert written["files"][1]["mode"] == 0o640
    staging = tmp_path / "staging"
    read = read_archive(io.BytesIO(out.getvalue()), PHRASE, staging)
    assert read == written
    assert (staging / "media/listings/photo.jpg").read_bytes() == photo.read_bytes()
    assert (staging / "database/db.sqlite3").stat().st_mode & 0o777 == 0o600


def test_a_file_that_differs_from_the_manifest_is_refused(tmp_path: Path) -> None:
    blob = _tar_archive([("database/db.sqlite3", b"the real dump"),
                         ("manifest.json", _manifest(("database/db.sqlite3", b"another")))])
    with pytest.raises(ArchiveDamaged, match="does not match its SHA-256"):
        read_archive(io.BytesIO(blob), PHRASE, tmp_path / "s1")
    unlisted = _tar_archive([("database/db.sqlite3", b"dump"), ("media/extra", b"x"),
                             ("manifest.json", _manifest(("database/db.sqlite3", b"dump")))])
    with pytest.raises(ArchiveDamaged, match="differ from its manifest"):
        read_archive(io.BytesIO(unlisted), PHRASE, tmp_path / "s2")
    late = _tar_archive([("manifest.json", _manifest()), ("media/late", b"x")])
    with pytest.raises(ArchiveDamaged, match="after its manifest"):
        read_archive(io.BytesIO(late), PHRASE, tmp_path / "s3")
    with pytest.raises(ArchiveDamaged, match="no manifest"):
        read_archive(io.BytesIO(_tar_archive([])), PHRASE, tmp_path / "s4")


@pytest.mark.parametrize("name", ["../outside", "media/../../outside", "/etc/outside",
                                  "elsewhere/file", "media"])
def test_paths_outside_the_three_folders_are_refused(tmp_path: Path, name: str) -> None:
    blob = _tar_archive([(name, b"x")])
    with pytest.raises(ArchiveDamaged, match="unexpected path"):
        read_archive(io.BytesIO(blob), PHRASE, tmp_path / "staging")
    assert not (tmp_path / "outside").exists()
    assert not list(tmp_path.rglob("outside"))
