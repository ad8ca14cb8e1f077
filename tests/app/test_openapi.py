"""/api/openapi.json documents what the API does: one schema per name, the error envelope
on every error status, the bearer scheme, the parameters each operation reads."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from django.test import Client
from pydantic import BaseModel

from cryptoshop.catalog.api import Kind, ListingStatus, PriceMode
from cryptoshop.catalog.models import Listing
from cryptoshop.core.api import api
from cryptoshop.escrow.api import EscrowStatus
from cryptoshop.escrow.models import Escrow
from cryptoshop.orders.api import OrderStatus
from cryptoshop.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    return client.get("/api/openapi.json").json()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in schema["paths"].items()
            for method, op in item.items()]


def _models(model: Any, seen: set[type]) -> None:
    if isinstance(model, type) and issubclass(model, BaseModel):
        if model in seen:
            return
        seen.add(model)
        for field in model.model_fields.values():
            _models(field.annotation, seen)
    for arg in get_args(model):
        _models(arg, seen)


def test_one_schema_per_name() -> None:
    seen: set[type] = set()
    for router in api._get_bound_routers():
        for view in router.path_operations.values():
            for operation in view.operations:
                for model in [*operation.response_models.values(), *operation.models]:
                    _models(model, seen)
    names: dict[str, list[str]] = {}
    for model in seen:
        if not model.__module__.startswith("cryptoshop"):
            continue  # ninja's own per-operation parameter models
        names.setdefault(model.__name__, []).append(model.__module__)
    assert {n: m for n, m in names.items() if len(m) > 1} == {}


def test_every_error_status_is_the_error_envelope(schema: dict[str, Any]) -> None:
    assert "ErrorOut" in schema["components"]["schemas"]
    for path, method, op in _operations(schema):
        assert {"400", "500"} <= set(op["responses"]), (method, path)
        for status, response in op["responses"].items():
            # Health answers 503 with the health body: a load balancer reads the status only,
            # an operator reads what is down.
            health_503 = path.startswith("/api/health") and status == "503"
            if int(status) >= 400 and not health_503:
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (method, path, status)


def test_logout_is_documented_as_ok_not_as_an_escrow_message(schema: dict[str, Any]) -> None:
    for path in ("/api/auth/logout", "/api/auth/2fa/disable", "/api/auth/account/delete"):
        ref = schema["paths"][path]["post"]["responses"]["200"]["content"][
            "application/json"]["schema"]["$ref"]
        data = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]["data"]
        assert data["$ref"].endswith("/OkOut")


def test_bearer_scheme_on_authenticated_operations(schema: dict[str, Any]) -> None:
    assert schema["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    me = schema["paths"]["/api/auth/me"]["get"]
    assert me["security"] == [{"BearerAuth": []}] and "401" in me["responses"]
    product = schema["paths"]["/api/products/{product_id}"]["get"]
    assert product["security"] == [{"BearerAuth": []}, {}]  # optional


def test_products_query_parameters_are_declared(schema: dict[str, Any]) -> None:
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/products"]["get"][
        "parameters"]}
    assert set(params) == {"q", "category", "minPrice", "maxPrice", "minRating", "kind",
                           "inStock", "store", "sortBy", "sortOrder", "page", "limit"}
    assert (params["page"]["minimum"], params["page"]["maximum"]) == (1, 10_000)
    assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, 100)
    assert "rating" in params["sortBy"]["enum"]


def test_status_enums_match_the_models() -> None:
    assert set(get_args(Kind)) == set(Listing.Kind.values)
    assert set(get_args(PriceMode)) == set(Listing.PriceMode.values)
    assert set(get_args(ListingStatus)) == set(Listing.Status.values)
    assert set(get_args(OrderStatus)) == {"", *Order.Status.values}
    assert set(get_args(EscrowStatus)) == {"", *Escrow.Status.values}


def test_request_body_strings_refuse_nul_in_the_schema(schema: dict[str, Any]) -> None:
    register = schema["components"]["schemas"]["RegisterIn"]["properties"]["displayName"]
    assert register["anyOf"][0]["pattern"] == "^[^\\x00]*$"
