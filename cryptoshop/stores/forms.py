from __future__ import annotations

import secrets
from typing import Any

from django import forms

from cryptoshop.core.forms_util import StyledForm
from cryptoshop.stores.api_keys import SCOPES


class StoreForm(StyledForm):
    name = forms.CharField(max_length=80, label="Store name")
    slug = forms.CharField(max_length=60, required=False, label="Address",
                           help_text="Your store lives at /s/<address>/. Lower-case letters, "
                                     "digits and '-'. Leave empty to derive it from the name.")
    description = forms.CharField(required=False, max_length=5000, label="About the store",
                                  help_text="Markdown. No images or HTML.",
                                  widget=forms.Textarea(attrs={"rows": 4}))
    policies = forms.CharField(required=False, max_length=5000, label="Policies",
                               help_text="Shipping times, returns, what buyers should know.",
                               widget=forms.Textarea(attrs={"rows": 4}))


class LogoForm(StyledForm):
    logo = forms.FileField(label="Logo", help_text="JPEG, PNG, WebP or GIF, up to 8 MB.")


class ShippingForm(StyledForm):
    name = forms.CharField(max_length=60, label="Name", widget=forms.TextInput(
        attrs={"placeholder": "Standard post"}))
    regions = forms.CharField(max_length=200, label="Ships to", widget=forms.TextInput(
        attrs={"placeholder": "EU, UK"}))
    cost_sat = forms.IntegerField(min_value=0, max_value=100_000_000, label="Cost (sats)")
    active = forms.BooleanField(required=False, initial=True, label="Offered")


class ApiKeyForm(StyledForm):
    name = forms.CharField(max_length=60, label="Name",
                           help_text="What will use it, e.g. “stock sync script”.",
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))
    scopes = forms.MultipleChoiceField(
        choices=[(scope, f"{scope} — {text}") for scope, text in SCOPES.items()],
        label="Scopes", widget=forms.CheckboxSelectMultiple,
        help_text="Any key may also read the payout wallet.")
    # One random id per rendered form: a reload that sends the same POST again is
    # recognised (sell/api_key_views.py) instead of minting a second key.
    form_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_id", secrets.token_urlsafe(16))
