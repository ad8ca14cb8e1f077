"""`manage.py rotate_data_key`: a shop with orders (shipping addresses, notes), escrows (the
marketplace key, conversation messages), digital goods (text and file) and 2FA is rotated to a
new data key, every value reads back, and the old key can then be retired; a rotation
killed after one batch resumes; the status report and the refusals."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from cryptoshop.accounts.models import User
from cryptoshop.catalog.actions import do_set_digital_file, read_digital_file
from cryptoshop.catalog.models import Listing
from cryptoshop.conversations.models import Message
from cryptoshop.core import crypto, rotation
from cryptoshop.core.secrets_store import add_file_data_key
from cryptoshop.escrow.disputes import do_add_message, do_open_dispute
from cryptoshop.escrow.models import Escrow, MarketplaceKey
from cryptoshop.orders.models import Order
from tests.factories import (
    add_to_cart,
    checkout,
    enable_2fa,
    listing,
    make_account,
    make_order,
    open_escrow,
    seller,
)

pytestmark = pytest.mark.django_db

PAYLOAD = b"%PDF-1.4 the field guide"


@pytest.fixture
def key_file(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """The key ring in a secrets file of this test's own (as var/secrets.json is for the
    embedded default), holding the keys the test database was written with."""
    real = settings.SERVER_SECRETS
    spec = ",".join(f"{kid}:{base64.b64encode(key).decode()}"
                    for kid, key in real.data_keys.items())
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"data_keys": spec}))
    settings.SERVER_SECRETS = dataclasses.replace(
        real, data_keys_file=path, data_keys_stamp=path.stat().st_mtime_ns)
    yield path


def build_shop() -> dict[str, Any]:
    """Through the actions: physical orders with addresses and notes, a digital listing with
    a file, a disputed escrow with messages, a buyer with 2FA. Returns what each should
    read back as."""
    buyer = make_account()
    enable_2fa(buyer)
    _, store = seller("Rotation Store")
    hat = listing(store, "Hat")
    orders = [checkout(buyer.user, add_to_cart(buyer.user, hat), address=f"{n} Elm Street",
                       note=f"ring twice {n}")[0] for n in range(3)]
    guide = listing(store, "Guide", kind="digital", digital_text="Licence: ABCD-1234")
    do_set_digital_file(guide, "guide.pdf", PAYLOAD)
    escrow = open_escrow(make_order(buyer.user, store), Escrow.Status.FUNDED)
    do_open_dispute(escrow, buyer.user, "The goods never arrived at all.")
    do_add_message(escrow, buyer.user, "Still nothing, a week later.")
    return {
        "orders": {o.pk: (f"{n} Elm Street", f"ring twice {n}") for n, o in enumerate(orders)},
        "guide": guide.pk,
        "root": MarketplaceKey.objects.get().root,
        "totp": {buyer.user.pk: User.objects.get(pk=buyer.user.pk).totp_secret},
    }


def assert_all_readable(shop: dict[str, Any]) -> None:
    for pk, (address, note) in shop["orders"].items():
        order = Order.objects.get(pk=pk)
        assert (order.shipping_address, order.buyer_note) == (address, note)
    guide = Listing.objects.get(pk=shop["guide"])
    assert guide.digital_text == "Licence: ABCD-1234"
    assert read_digital_file(guide) == PAYLOAD
    assert MarketplaceKey.objects.get().root == shop["root"]
    assert [m.body for m in Message.objects.all()] == ["Still nothing, a week later."]
    for pk, secret in shop["totp"].items():
        assert User.objects.get(pk=pk).totp_secret == secret


def keys_in_use() -> set[str]:
    return {kid for tally in rotation.census().values() for kid, n in tally.items() if n}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_data_key", *args, stdout=out)
    return out.getvalue()


def test_rotation_finds_every_encrypted_column_and_file() -> None:
    labels = {f"{m._meta.label}.{f.name}" for m, fields in rotation.encrypted_columns()
              for f in fields}
    assert {"orders.Order.shipping_address", "orders.Order.buyer_note",
            "escrow.MarketplaceKey.root", "conversations.Message.body",
            "catalog.Listing.digital_text", "accounts.User.totp_secret"} <= labels
    assert "catalog.Listing.digital_file" in {s.label for s in rotation.ENCRYPTED_FILES}


def test_rotating_a_shop_leaves_every_value_readable_and_the_old_key_retirable(
        key_file: Path, settings: Any) -> None:
    shop = build_shop()
    old = crypto.key_ring()[1]
    assert keys_in_use() == {old}

    out = run("--new-key")

    new = crypto.key_ring()[1]
    assert new != old and f"new data key {new} is current" in out
    assert f"{old} (in the ring): 0 values remain" in out
    assert keys_in_use() == {new}
    with connection.cursor() as cursor:
        cursor.execute("SELECT shipping_address FROM orders_order")
        raws = [raw for (raw,) in cursor.fetchall() if raw]
    assert len(raws) == 3 and all(raw.startswith(f"v1:{new}:") for raw in raws)
    guide = Listing.objects.get(pk=shop["guide"])
    stored = (Path(settings.MEDIA_ROOT) / guide.digital_file).read_bytes()
    assert crypto.key_id_of_bytes(stored) == new
    assert_all_readable(shop)

    # The old key encrypts nothing now: it can go, and everything still reads.
    assert f"{old} removed" in run("--retire", old)
    assert old not in json.loads(key_file.read_text())["data_keys"]
    assert set(crypto.key_ring()[0]) == {new}
    assert_all_readable(shop)


def test_status_reports_what_each_key_encrypts_and_changes_nothing(key_file: Path) -> None:
    build_shop()
    old = crypto.key_ring()[1]
    new = add_file_data_key(key_file)
    # New writes use the new key at once (this process reloads the ring from the file).
    assert crypto.encrypt("x", context="a.B.c").startswith(f"v1:{new}:")

    out = run("--dry-run")

    assert f"{new} (current): 0 values\n" in out
    assert "orders.Order.shipping_address: " + f"{old}=3" in out
    assert "catalog.Listing.digital_file (files): " + f"{old}=1" in out
    assert keys_in_use() == {old}


def test_a_key_that_still_encrypts_something_is_not_retired(key_file: Path) -> None:
    build_shop()
    old = crypto.key_ring()[1]
    new = add_file_data_key(key_file)
    with pytest.raises(CommandError, match="still encrypts"):
        run("--retire", old)
    with pytest.raises(CommandError, match="current key"):
        run("--retire", new)
    assert old in json.loads(key_file.read_text())["data_keys"]


class Killed(Exception):
    pass


def raw_values() -> dict[tuple[str, object], str]:
    """Every stored ciphertext by (column, primary key), read without decrypting."""
    found = {}
    for model, fields in rotation.encrypted_columns():
        names = [f.name for f in fields]
        for pk, *raws in model._base_manager.annotate(
                **{f"raw_{n}": Cast(n, output_field=TextField()) for n in names}
        ).values_list("pk", *[f"raw_{n}" for n in names]):
            found.update({(f"{model._meta.label}.{n}", pk): raw
                          for n, raw in zip(names, raws, strict=True) if raw})
    return found


def test_a_rotation_killed_after_one_batch_resumes(key_file: Path) -> None:
    shop = build_shop()
    old = crypto.key_ring()[1]
    total = len(raw_values())
    new = add_file_data_key(key_file)

    def kill_after_first_batch(what: str, done: int) -> None:
        if done:
            raise Killed(what)

    with pytest.raises(Killed):
        rotation.rotate_columns(batch=1, progress=kill_after_first_batch)
    halfway = raw_values()
    done_before = {k: raw for k, raw in halfway.items() if crypto.key_id_of(raw) == new}
    assert len(done_before) == 1  # one batch of one row was committed
    assert keys_in_use() == {old, new}
    assert_all_readable(shop)  # mid-rotation, both keys read

    out = run("--batch-size", "1")

    assert f"done: {total - 1} values and 1 files re-encrypted" in out
    assert keys_in_use() == {new}
    after = raw_values()
    # What the killed run finished is skipped, not rewritten again.
    assert all(after[k] == raw for k, raw in done_before.items())
    assert_all_readable(shop)


def test_new_key_needs_the_secrets_file(settings: Any) -> None:
    settings.SERVER_SECRETS = dataclasses.replace(settings.SERVER_SECRETS,
                                                  data_keys_file=None)
    with pytest.raises(CommandError, match="CRYPTOSHOP_DATA_KEYS"):
        run("--new-key")
