"""/api/keys: the store's API keys, over the same actions as /sell/api-keys/. Only the
account's own credentials may list, create or revoke keys: a key can't mint keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from pydantic import ConfigDict, Field, create_model

from cryptoshop.accounts.who import api_caller
from cryptoshop.core.api import CamelSchema, In, envelope, ok
from cryptoshop.stores import api_keys
from cryptoshop.stores.actions import own_store
from cryptoshop.stores.key_auth import account_only
from cryptoshop.stores.models import StoreApiKey

router = Router(tags=["api keys"])

Scope = Literal["orders:read", "listings:write", "wallet:write", "webhooks:write"]


class ApiKeyIn(In):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=60)
    scopes: list[Scope] = Field(min_length=1, max_length=4)


class ApiKeyOut(CamelSchema):
    id: int
    name: str
    prefix: str = Field(description="the secret's first characters, to tell keys apart")
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool


class ApiKeyCreatedOut(ApiKeyOut):
    secret: str = Field(description="shown once: send it as `Authorization: Bearer <secret>`")


def key_out(key: StoreApiKey) -> dict[str, Any]:
    return {"id": key.pk, "name": key.name, "prefix": key.prefix, "scopes": key.scopes,
            "createdAt": key.created_at, "lastUsedAt": key.last_used_at,
            "revokedAt": key.revoked_at, "active": key.is_active}


# Named: envelope(list[...]) would be one more schema called "listEnvelope".
ApiKeyListOut = create_model("ApiKeyListOut", __base__=CamelSchema, success=(bool, True),
                             data=(list[ApiKeyOut], ...), message=(str | None, None))


@router.get("", auth=account_only, response=ApiKeyListOut, by_alias=True)
def list_keys(request: HttpRequest) -> dict[str, Any]:
    """Your store's API keys, newest first (revoked ones too, marked `active: false`)."""
    store = own_store(api_caller(request))
    return ok([key_out(k) for k in api_keys.keys_of(store)])


@router.post("", auth=account_only, response={201: envelope(ApiKeyCreatedOut)}, by_alias=True)
def create_key(request: HttpRequest, payload: ApiKeyIn) -> Status[dict[str, Any]]:
    """Make a key with these scopes. The secret is in this answer only: store it."""
    store = own_store(api_caller(request))
    made = api_keys.do_create_key(store, api_keys.KeyInput(payload.name, list(payload.scopes)))
    return Status(201, ok({**key_out(made.key), "secret": made.secret},
                          "Store the secret now: it is not shown again."))


@router.delete("/{key_id}", auth=account_only, response=envelope(ApiKeyOut), by_alias=True)
def revoke_key(request: HttpRequest, key_id: int) -> dict[str, Any]:
    """Revoke a key: from now on it is refused (401)."""
    store = own_store(api_caller(request))
    key = api_keys.do_revoke_key(api_keys.key_of(store, key_id))
    return ok(key_out(key), "Key revoked.")
