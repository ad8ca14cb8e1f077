from __future__ import annotations

from django import forms

from cryptoshop.conversations.actions import MAX_TEXT
from cryptoshop.core.forms_util import StyledForm

PHOTO_HELP = ("Optional. JPEG, PNG, WebP or GIF; re-encoded, metadata removed. Only the people "
              "in this conversation see it.")


class MessageForm(StyledForm):
    text = forms.CharField(required=False, max_length=MAX_TEXT, label="Message",
                           widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(required=False, label="Photo (optional)", help_text=PHOTO_HELP)


class AskForm(MessageForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = "Your question"
