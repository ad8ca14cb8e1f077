"""/api/auth/*: the endpoints, the response envelope, bearer sessions and CSRF."""

from __future__ import annotations

import pytest
from django.test import Client

from cryptoshop.accounts import totp
from cryptoshop.accounts.models import User
from tests.app.conftest import api_post
from tests.factories import Account, enable_2fa, fresh_code

pytestmark = pytest.mark.django_db


def _bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_register_answers_data_token(client: Client) -> None:
    response = api_post(client, "/api/auth/register", {"displayName": "api_user"})
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    assert body["data"]["token"].startswith("cs1_") and len(body["data"]["token"]) == 56
    assert body["data"]["user"]["displayName"] == "api_user"
    assert body["data"]["user"]["twoFactorEnabled"] is False
    assert "sessionid" not in response.cookies  # register sets no session cookie
    # With no body at all, an anonymous account without a name.
    empty = client.generic("POST", "/api/auth/register")
    assert empty.status_code == 201 and empty.json()["data"]["user"]["displayName"] is None


def test_login_gives_a_session_token_for_bearer_use(client: Client, account: Account) -> None:
    response = api_post(client, "/api/auth/login", {"token": account.token})
    assert response.status_code == 200
    session_token = response.json()["data"]["sessionToken"]
    assert session_token.startswith("css_")
    me = Client().get("/api/auth/me", headers=_bearer(session_token))
    assert me.status_code == 200 and me.json()["data"]["id"] == account.user.public_id
    # Logout ends exactly that session.
    assert api_post(Client(), "/api/auth/logout", **_bearer(session_token)).status_code == 200
    gone = Client().get("/api/auth/me", headers=_bearer(session_token))
    assert gone.status_code == 401 and gone.json()["success"] is False


def test_access_token_as_bearer_only_without_2fa(account: Account) -> None:
    assert Client().get("/api/auth/me", headers=_bearer(account.token)).status_code == 200
    enable_2fa(account)
    refused = Client().get("/api/auth/me", headers=_bearer(account.token))
    assert refused.status_code == 401 and "sessionToken" in refused.json()["message"]


def test_anonymous_and_bad_bearer_are_401(client: Client) -> None:
    assert client.get("/api/auth/me").json() == {
        "success": False, "error": "not_authenticated", "message": "Log in first."}
    assert client.get("/api/auth/me", headers=_bearer("css_nope")).status_code == 401
    assert client.get("/api/auth/me", headers=_bearer("cs1_" + "a" * 52)).status_code == 401


def test_2fa_setup_verify_and_login_with_code(account: Account) -> None:
    auth = _bearer(account.token)
    setup = api_post(Client(), "/api/auth/2fa/setup", **auth)
    assert setup.status_code == 200
    data = setup.json()["data"]
    assert set(data) == {"secret", "otpauthUrl", "qrSvg"}
    assert data["otpauthUrl"].startswith("otpauth://totp/") and data["qrSvg"].startswith("<svg")
    # Setup again keeps the same pending secret unless asked to restart.
    assert api_post(Client(), "/api/auth/2fa/setup", **auth).json()["data"]["secret"] == data["secret"]
    bad = api_post(Client(), "/api/auth/2fa/verify", {"code": "000000"}, **auth)
    assert bad.status_code == 400 and bad.json()["details"]["code"]
    code = totp.code_at(data["secret"], totp.current_step())
    verified = api_post(Client(), "/api/auth/2fa/verify", {"code": code}, **auth)
    assert verified.status_code == 200
    recovery = verified.json()["data"]["recoveryCodes"]
    assert len(recovery) == 10
    # Now login needs the code.
    need = api_post(Client(), "/api/auth/login", {"token": account.token})
    assert need.status_code == 401 and need.json()["error"] == "totp_required"
    replay = api_post(Client(), "/api/auth/login", {"token": account.token, "code": code})
    assert replay.status_code == 401 and replay.json()["error"] == "invalid_credentials"
    ok = api_post(Client(), "/api/auth/login",
                  {"token": account.token, "code": fresh_code(account.user, 1)})
    assert ok.status_code == 200 and ok.json()["data"]["user"]["twoFactorEnabled"] is True
    with_recovery = api_post(Client(), "/api/auth/login",
                             {"token": account.token, "code": recovery[3]})
    assert with_recovery.status_code == 200
    again = api_post(Client(), "/api/auth/login", {"token": account.token, "code": recovery[3]})
    assert again.status_code == 401


def test_disable_2fa_via_api(account: Account) -> None:
    enable_2fa(account)
    login = api_post(Client(), "/api/auth/login",
                     {"token": account.token, "code": fresh_code(account.user)})
    auth = _bearer(login.json()["data"]["sessionToken"])
    assert api_post(Client(), "/api/auth/2fa/disable", {"code": "999999"}, **auth).status_code == 401
    done = api_post(Client(), "/api/auth/2fa/disable", {"code": fresh_code(account.user, 1)}, **auth)
    assert done.status_code == 200 and not User.objects.get(pk=account.user.pk).totp_enabled


def test_rotate_via_api(account: Account) -> None:
    login = api_post(Client(), "/api/auth/login", {"token": account.token})
    session = login.json()["data"]["sessionToken"]
    other = api_post(Client(), "/api/auth/login", {"token": account.token}).json()["data"]["sessionToken"]
    rotated = api_post(Client(), "/api/auth/token/rotate", **_bearer(session))
    new_token = rotated.json()["data"]["token"]
    assert new_token != account.token
    assert Client().get("/api/auth/me", headers=_bearer(session)).status_code == 200
    assert Client().get("/api/auth/me", headers=_bearer(other)).status_code == 401
    assert api_post(Client(), "/api/auth/login", {"token": account.token}).status_code == 401
    assert api_post(Client(), "/api/auth/login", {"token": new_token}).status_code == 200


def test_delete_via_api(account: Account) -> None:
    auth = _bearer(account.token)
    plan = Client().get("/api/auth/account", headers=auth).json()["data"]
    assert plan["blockers"] == [] and plan["removed"]
    wrong = api_post(Client(), "/api/auth/account/delete", {"token": "cs1_" + "b" * 52}, **auth)
    assert wrong.status_code == 401 and User.objects.filter(pk=account.user.pk).exists()
    done = api_post(Client(), "/api/auth/account/delete", {"token": account.token}, **auth)
    assert done.status_code == 200 and not User.objects.filter(pk=account.user.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "token"),
        ({"token": 12}, "token"),
        ({"token": "x" * 500}, "token"),
        ({"token": "cs1_x", "code": ["1"]}, "code"),
    ],
)
def test_malformed_login_bodies_are_400_with_details(client: Client, body: dict, field: str) -> None:
    response = api_post(client, "/api/auth/login", body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["success"] is False and payload["error"] == "validation_error"
    assert field in payload["details"]


def test_unparseable_json_and_wrong_types_are_400(client: Client) -> None:
    broken = client.post("/api/auth/login", data="{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["success"] is False
    listed = client.post("/api/auth/login", data="[1,2]", content_type="application/json")
    assert listed.status_code == 400
    long_name = api_post(client, "/api/auth/register", {"displayName": "x" * 100})
    assert long_name.status_code == 400 and "displayName" in long_name.json()["details"]
    bad_name = api_post(client, "/api/auth/register", {"displayName": "no spaces please"})
    assert bad_name.status_code == 400 and "displayName" in bad_name.json()["details"]


def test_unknown_api_path_is_a_404_envelope(client: Client) -> None:
    response = client.get("/api/nope")
    assert response.status_code == 404


def test_cookie_session_api_calls_need_csrf(account: Account) -> None:
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/accounts/login/")
    token = browser.cookies["cs_csrftoken"].value
    assert b"csrfmiddlewaretoken" in page.content
    assert browser.post("/accounts/login/", {"token": account.token}).status_code == 403
    from tests.app.conftest import csrf_from

    form_token = csrf_from(browser.get("/accounts/login/").content.decode())
    assert browser.post("/accounts/login/", {"token": account.token,
                                             "csrfmiddlewaretoken": form_token}).status_code == 302
    # The logged-in browser calls the API with its cookie: CSRF header required.
    no_header = api_post(browser, "/api/auth/token/rotate")
    assert no_header.status_code == 403 and no_header.json()["success"] is False
    token = browser.cookies["cs_csrftoken"].value
    with_header = api_post(browser, "/api/auth/token/rotate", **{"X-CSRFToken": token})
    assert with_header.status_code == 200
    # Reads are fine without it.
    assert browser.get("/api/auth/me").status_code == 200


def test_cross_site_form_post_to_api_login_is_refused(account: Account) -> None:
    # A browser that has visited us carries the CSRF cookie; a forged cross-site POST
    # can't supply the matching header, so login/register refuse it.
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    assert api_post(browser, "/api/auth/login", {"token": account.token}).status_code == 403
    assert api_post(browser, "/api/auth/register", {}).status_code == 403


def test_openapi_lists_the_auth_endpoints(client: Client) -> None:
    spec = client.get("/api/openapi.json").json()
    for path in ["/api/auth/register", "/api/auth/login", "/api/auth/2fa/setup",
                 "/api/auth/2fa/verify", "/api/auth/logout", "/api/auth/token/rotate",
                 "/api/auth/account/delete", "/api/health"]:
        assert path in spec["paths"], path
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()  # served locally, no third-party requests
