"""Account pages: plain forms and redirects, so every step works without JavaScript."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts import actions
from cryptoshop.accounts.forms import (
    CodeForm,
    DeleteAccountForm,
    DisplayNameForm,
    LoginForm,
    RefundAddressForm,
    RegisterForm,
)
from cryptoshop.accounts.models import User
from cryptoshop.accounts.sessions import BACKEND
from cryptoshop.accounts.who import page_user, viewer
from cryptoshop.core.errors import ActionError
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.core.web import render_form, safe_next

PENDING_KEY = "pending_2fa"
PENDING_SECONDS = 300


def _finish_login(request: HttpRequest, user: User, target: str | None) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    django_login(request, user, backend=BACKEND)  # cycles the session key
    messages.success(request, f"Welcome back, {user.label}.")
    return redirect(target or "accounts:settings")


def _token_page(request: HttpRequest, token: str, *, rotated: bool,
                next_url: str | None = None) -> HttpResponse:
    # Rendered directly from the POST (never stored, never redirected through the session)
    # and marked no-store so the browser doesn't keep it in its cache.
    response = render(request, "accounts/token.html",
                      {"token": token, "rotated": rotated, "next": next_url})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            return register_and_show_token(request, form, safe_next(request))
        except ActionError as exc:
            return render_form(request, "accounts/register.html",
                               {"form": form, "next": safe_next(request)}, exc)
    return render(request, "accounts/register.html", {"form": form, "next": safe_next(request)})


def register_and_show_token(request: HttpRequest, form: RegisterForm,
                            next_url: str | None) -> HttpResponse:
    """Register from a valid RegisterForm, sign the visitor in and show the token once, with
    a way on to `next_url`. An ActionError is put on the form, then raised for the caller
    to re-render its own page (the register page, or checkout)."""
    try:
        reg = actions.do_register(display_name=form.cleaned_data["display_name"],
                                  client_ip=client_ip(request))
    except ActionError as exc:
        apply_error(form, exc)
        raise
    django_login(request, reg.user, backend=BACKEND)  # also merges the session's cart
    return _token_page(request, reg.token, rotated=False, next_url=next_url)


@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "next": safe_next(request)}
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.check_login(token=form.cleaned_data["token"], code=None,
                                       client_ip=client_ip(request))
        except actions.SecondFactorRequired:
            pending = actions.user_for_token(form.cleaned_data["token"])
            assert pending is not None
            request.session[PENDING_KEY] = {
                "uid": pending.pk, "th": pending.token_hash,
                "exp": time.time() + PENDING_SECONDS, "next": safe_next(request),
            }
            return redirect("accounts:login_code")
        except ActionError as exc:
            apply_error(form, exc)
            return render_form(request, "accounts/login.html", context, exc)
        return _finish_login(request, user, safe_next(request))
    return render(request, "accounts/login.html", context)


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("exp", 0) < time.time():
        return None
    user = User.objects.filter(pk=int(pending.get("uid", 0)), is_active=True).first()
    # The token may have been rotated since step one: then step one must be redone.
    if user is None or user.token_hash != pending.get("th"):
        return None
    return user


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Enter your access token first.")
        return redirect("accounts:login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_second_factor(user, form.cleaned_data["code"],
                                        client_ip=client_ip(request))
        except ActionError as exc:
            apply_error(form, exc)
            return render_form(request, "accounts/login_code.html", {"form": form}, exc)
        target = request.session.get(PENDING_KEY, {}).get("next")
        return _finish_login(request, user, target)
    return render(request, "accounts/login_code.html", {"form": form})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    django_logout(request)
    if user is not None:
        actions.sessions_ended(user)
    messages.info(request, "You are logged out. Keep your access token to come back.")
    return redirect("home")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    form = DisplayNameForm(request.POST if request.method == "POST" else None,
                           initial={"display_name": user.display_name})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_display_name(user, form.cleaned_data["display_name"])
        except ActionError as exc:
            apply_error(form, exc)
            return render_form(request, "accounts/settings.html", {
                "form": form, "refund_form": RefundAddressForm(
                    initial={"default_refund_address": user.default_refund_address})}, exc)
        messages.success(request, "Display name saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {
        "form": form, "recovery_left": actions.unused_recovery_codes(user),
        "refund_form": RefundAddressForm(
            initial={"default_refund_address": user.default_refund_address}),
    })


@never_cache
@login_required
@require_POST
def refund_address(request: HttpRequest) -> HttpResponse:
    """The buyer's default refund address (a form on the settings page)."""
    user = page_user(request)
    form = RefundAddressForm(request.POST)
    if form.is_valid():
        try:
            actions.do_set_default_refund_address(user, form.cleaned_data["default_refund_address"])
        except ActionError as exc:
            apply_error(form, exc)
    if form.errors:
        return render(request, "accounts/settings.html", {
            "form": DisplayNameForm(initial={"display_name": user.display_name}),
            "recovery_left": actions.unused_recovery_codes(user), "refund_form": form,
        }, status=400)
    messages.success(request, "Default refund address saved." if user.default_refund_address
                     else "Default refund address removed.")
    return redirect("accounts:settings")


@never_cache
@login_required
@require_POST
def rotate_token(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    token = actions.do_rotate_token(user)
    update_session_auth_hash(request, user)  # keep this session; end all others
    return _token_page(request, token, rotated=True)


@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    context: dict[str, Any] = {"code_form": CodeForm(),
                               "recovery_left": actions.unused_recovery_codes(user)}
    if not user.totp_enabled and user.totp_secret:
        context["setup"] = actions.setup_details(user)
    return render(request, "accounts/two_factor.html", context)


@login_required
@require_POST
def two_factor_begin(request: HttpRequest) -> HttpResponse:
    try:
        actions.do_begin_totp_setup(page_user(request), restart=True)
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:2fa")


def _code_action_error(request: HttpRequest, form: CodeForm, exc: ActionError) -> HttpResponse:
    user = page_user(request)
    apply_error(form, exc)
    context: dict[str, Any] = {"code_form": form,
                               "recovery_left": actions.unused_recovery_codes(user)}
    if not user.totp_enabled and user.totp_secret:
        context["setup"] = actions.setup_details(user)
    return render_form(request, "accounts/two_factor.html", context, exc)


def _recovery_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    response = render(request, "accounts/recovery_codes.html", {"codes": codes})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_POST
def two_factor_enable(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _code_action_error(request, form, ActionError("Enter the code.", field="code"))
    try:
        codes = actions.do_enable_totp(page_user(request), form.cleaned_data["code"],
                                       client_ip=client_ip(request))
    except ActionError as exc:
        return _code_action_error(request, form, exc)
    messages.success(request, "Two-factor authentication is on.")
    return _recovery_page(request, codes)


@never_cache
@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _code_action_error(request, form, ActionError("Enter the code.", field="code"))
    try:
        actions.do_disable_totp(page_user(request), form.cleaned_data["code"],
                                client_ip=client_ip(request))
    except ActionError as exc:
        return _code_action_error(request, form, exc)
    messages.success(request, "Two-factor authentication is off.")
    return redirect("accounts:2fa")


@never_cache
@login_required
@require_POST
def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _code_action_error(request, form, ActionError("Enter the code.", field="code"))
    try:
        codes = actions.do_regenerate_recovery_codes(
            page_user(request), form.cleaned_data["code"], client_ip=client_ip(request)
        )
    except ActionError as exc:
        return _code_action_error(request, form, exc)
    return _recovery_page(request, codes)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    plan = actions.check_delete_account(user)
    context = {"form": form, "plan": plan}
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_delete_account(user, token=form.cleaned_data["token"],
                                      code=form.cleaned_data["code"] or None,
                                      client_ip=client_ip(request))
        except ActionError as exc:
            apply_error(form, exc)
            return render_form(request, "accounts/delete.html", context, exc)
        django_logout(request)
        messages.success(request, "Your account has been deleted.")
        return redirect("home")
    return render(request, "accounts/delete.html", context)
