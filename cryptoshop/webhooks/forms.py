from __future__ import annotations

from django import forms

from cryptoshop.core.forms_util import StyledForm
from cryptoshop.webhooks.actions import MAX_SECRET, WebhookInput
from cryptoshop.webhooks.events import EVENT_TYPES

EVENT_CHOICES = [(e, e) for e in EVENT_TYPES]


class WebhookForm(StyledForm):
    url = forms.CharField(max_length=500, label="Payload URL",
                          help_text="Where we POST each event (http:// or https://). Public "
                                    "addresses only, unless the operator allows others.",
                          widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks",
                                                       "autocomplete": "off"}))
    events = forms.MultipleChoiceField(choices=EVENT_CHOICES, label="Events",
                                       widget=forms.CheckboxSelectMultiple)
    enabled = forms.BooleanField(required=False, initial=True, label="Active")
    secret = forms.CharField(max_length=MAX_SECRET, required=False, label="Secret",
                             help_text="Leave empty to keep the current one (a new endpoint "
                                       "gets a random one). At least 16 characters.",
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def to_input(self) -> WebhookInput:
        data = self.cleaned_data
        return WebhookInput(url=data["url"], events=list(data["events"]),
                            enabled=bool(data["enabled"]), secret=data["secret"] or "")
