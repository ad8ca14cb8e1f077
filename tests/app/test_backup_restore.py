"""Backups that restore (`manage.py backup` / `restore`, docs/operations.md "Backups").

The shop under test backs itself up; the archive is restored by `manage.py restore` in
another process with another var dir and a new database (a new SQLite file, or on the
PostgreSQL tier a database made here with CREATE DATABASE), as on a fresh checkout. The
restored shop then co-signs the buyer's release of an escrow opened before the backup
(so the marketplace key came back) and decrypts a buyer's shipping address and an
encrypted digital file (so the data keys and the media came back)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from embit.ec import PublicKey, Signature
from embit.script import Script
from embit.transaction import SIGHASH, Transaction

from cryptoshop.catalog.actions import do_set_digital_file
from cryptoshop.core.backup import restore as restoring
from cryptoshop.core.backup.create import PASSPHRASE_ENV
from cryptoshop.escrow.models import Escrow
from cryptoshop.escrow.planning import escrow_script
from tests.backup_steps import PHRASE, backup, fresh_checkout, probe, restore, run
from tests.factories import (
    BUYER_SEED,
    FUNDED_SAT,
    listing,
    make_account,
    make_order,
    open_escrow,
    release_spend,
    seller,
    signed_by,
    with_image,
)

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "Ada Lovelace, 12 St James's Square, London SW1Y 4JH"


@pytest.fixture
def fresh_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with fresh_checkout(tmp_path) as env:
        yield env


def _shop_with_an_open_escrow() -> dict[str, Any]:
    """A funded escrow with the buyer's signed release waiting for the marketplace, a
    shipping address, a listing photo and an encrypted digital file."""
    buyer = make_account()
    _owner, store = seller(shipping_sat=0)
    order = make_order(buyer.user, store, address=ADDRESS, kind="physical", digital_text="")
    escrow = open_escrow(order, Escrow.Status.FUNDED)
    spend = release_spend(escrow)
    book = listing(store, "An e-book", kind="digital", digital_text="see the file")
    do_set_digital_file(book, "book.txt", b"Chapter one. It was a dark and stormy night.")
    with_image(book)
    with connection.cursor() as cursor:  # at rest it is ciphertext, not the address
        cursor.execute("SELECT shipping_address FROM orders_order WHERE id = %s", [order.pk])
        assert cursor.fetchone()[0].startswith("v1:")
    return {"escrow": escrow.public_id, "spend": spend.pk, "listing": book.public_id,
            "psbt": signed_by(BUYER_SEED, escrow, spend),
            "pubkeys": [k.sec().hex() for k in escrow_script(escrow).pubkeys(escrow.index)]}


def _marketplace_signature_verifies(raw_tx: str, pubkey_hex: str) -> bool:
    """The final transaction's witness: the marketplace's signature over input 0's
    BIP143 sighash, under the escrow's witness script and amount."""
    tx = Transaction.parse(bytes.fromhex(raw_tx))
    items = tx.vin[0].witness.items
    script = items[-1]
    digest = tx.sighash_segwit(0, Script(script), FUNDED_SAT, SIGHASH.ALL)
    pub = PublicKey.parse(bytes.fromhex(pubkey_hex))
    return any(pub.verify(Signature.parse(sig[:-1]), digest) for sig in items[1:-1] if sig)


def test_restore_on_a_fresh_checkout_cosigns_an_old_escrow_and_decrypts(
        tmp_path: Path, fresh_env: dict[str, str], settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    shop = _shop_with_an_open_escrow()
    archive = backup(tmp_path)

    restored = restore(fresh_env, archive)
    assert "archive authenticated" in restored.stdout, restored.stdout
    var = Path(fresh_env["CRYPTOSHOP_VAR_DIR"])
    assert (var / "secrets.json").stat().st_mode & 0o777 == 0o600
    assert not list(var.glob(".restore-*")), "the staging folder is removed"
    photos = [p for p in (var / "media").rglob("*") if p.is_file()
              and "digital" not in p.parts]
    assert photos, "the listing photo came back"

    out = probe(fresh_env, shop)
    assert out["shipping_address"] == ADDRESS
    assert out["digital_file"] == "Chapter one. It was a dark and stormy night."
    assert out["status"] == "broadcast" and len(out["txid"]) == 64
    # Buyer's and marketplace's signatures, and the marketplace key is this escrow's.
    assert out["marketplace_pubkey"] in shop["pubkeys"]
    assert out["marketplace_pubkey"] in out["signers"] and len(out["signers"]) == 2
    assert _marketplace_signature_verifies(out["raw_tx"], out["marketplace_pubkey"])

    again = restore(fresh_env, archive, check=False)
    assert again.returncode != 0
    assert "refusing to restore" in again.stderr and "--force" in again.stderr
    assert "is not empty" in again.stderr
    # --force replaces the database and media (PostgreSQL: its tables are dropped first).
    forced = restore(fresh_env, archive, "--force")
    media = len([p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()])
    assert media >= 3  # the photo, its thumbnail, the digital file
    assert f"{media} media files restored" in restored.stdout
    assert "database restored" in forced.stdout
    assert f"{media} media files restored" in forced.stdout


def _damaged(archive: Path, how: str) -> Path:
    data = bytearray(archive.read_bytes())
    if how == "tampered":
        data[len(data) // 2] ^= 0x01
    else:
        del data[len(data) - 100:]
    out = archive.with_name(f"{how}.csbackup")
    out.write_bytes(bytes(data))
    return out


def test_bad_archives_and_passphrases_restore_nothing(
        tmp_path: Path, fresh_env: dict[str, str], settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    _shop_with_an_open_escrow()
    archive = backup(tmp_path)
    var = Path(fresh_env["CRYPTOSHOP_VAR_DIR"])
    cases = [(archive, {PASSPHRASE_ENV: "not the passphrase at all"}, "wrong passphrase"),
             (_damaged(archive, "tampered"), {}, "damaged or was altered"),
             (_damaged(archive, "truncated"), {}, "truncated")]
    for path, env, message in cases:
        done = run({**fresh_env, PASSPHRASE_ENV: PHRASE, **env}, "manage.py", "restore",
                    str(path), check=False)
        assert done.returncode != 0 and message in done.stderr, (message, done.stderr)
        # Nothing staged is left, nothing was put in place, and the secrets the process
        # generated at start-up were removed again.
        assert not list(var.glob(".restore-*"))
        assert not [p for p in var.rglob("*") if p.is_file() and "media" in p.parts]
        assert not (var / "secrets.json").exists()
    # The database is still empty: a good restore is not refused.
    restore(fresh_env, archive)
    no_phrase = run(fresh_env, "manage.py", "restore", str(archive), check=False)
    assert no_phrase.returncode != 0 and PASSPHRASE_ENV in no_phrase.stderr


def test_backup_needs_a_passphrase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    with pytest.raises(CommandError, match="no passphrase"):
        call_command("backup", output=str(tmp_path / "x.csbackup"))
    (tmp_path / "short").write_text("short\n")
    with pytest.raises(CommandError, match="at least 12"):
        call_command("backup", output=str(tmp_path / "x.csbackup"),
                     passphrase_file=str(tmp_path / "short"))
    assert not list(tmp_path.glob("x.csbackup*"))


def test_archives_from_newer_code_are_refused_and_older_ones_migrated() -> None:
    manifest = {"format": "cryptoshop-backup", "version": 1,
                "database": {"engine": connection.vendor}, "migrations": {}}
    newer = {**manifest, "migrations": {"orders": ["0001_initial", "9999_from_the_future"]}}
    with pytest.raises(restoring.BackupError, match=r"newer code.*orders\.9999_from_the_future"):
        restoring.check_manifest(newer)
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    with pytest.raises(restoring.BackupError, match=f"holds a {other} database"):
        restoring.check_manifest({**manifest, "database": {"engine": other}})
    restoring.check_manifest(manifest)
    applied = {app: [name for a, name in sorted(restoring.database.code_migrations())
                     if a == app] for app, _ in restoring.database.code_migrations()}
    assert restoring.pending_migrations({"migrations": applied}) == 0
    applied["orders"] = applied["orders"][:-1]
    assert restoring.pending_migrations({"migrations": applied}) == 1
