from __future__ import annotations

from django import forms

from cryptoshop.accounts.actions import NAME_RULES
from cryptoshop.core.forms_util import StyledForm


class RegisterForm(StyledForm):
    display_name = forms.CharField(
        required=False, max_length=64, label="Display name (optional)",
        help_text=NAME_RULES + " Shown on your messages. Never on reviews: they say only "
                  "“verified buyer” and the month. Leave empty to stay fully anonymous.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "e.g. satoshi_fan",
                                      "aria-describedby": "id_display_name_help"}),
    )


class LoginForm(StyledForm):
    token = forms.CharField(
        max_length=200, label="Access token",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password",
                                          "placeholder": "cs1_…", "autofocus": True}),
    )


class CodeForm(StyledForm):
    code = forms.CharField(
        max_length=20, label="Authentication code",
        help_text="6 digits from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                      "autofocus": True, "placeholder": "123456"}),
    )


class DisplayNameForm(StyledForm):
    display_name = forms.CharField(required=False, max_length=64, label="Display name")


class RefundAddressForm(StyledForm):
    default_refund_address = forms.CharField(
        required=False, max_length=100, label="Default refund address",
        help_text="An address of your own wallet. It is filled in for you when you pay (you "
                  "can still change it per order), so a seller can send refunds and "
                  "leftovers back. Encrypted at rest. Leave empty to remove it.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


class DeleteAccountForm(StyledForm):
    token = forms.CharField(
        max_length=200, label="Your current access token",
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    code = forms.CharField(required=False, max_length=20, label="Authentication code",
                           help_text="Needed when two-factor authentication is on.")
    confirm = forms.BooleanField(label="I understand this cannot be undone.")
