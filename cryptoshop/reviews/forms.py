from __future__ import annotations

from django import forms

from cryptoshop.core.forms_util import StyledForm
from cryptoshop.reviews.models import MAX_ANSWER, MAX_TEXT

RATING_CHOICES = [(5, "5 stars: excellent"), (4, "4 stars: good"), (3, "3 stars: all right"),
                  (2, "2 stars: poor"), (1, "1 star: bad")]


class ReviewForm(StyledForm):
    rating = forms.TypedChoiceField(choices=RATING_CHOICES, coerce=int, label="Your rating",
                                    widget=forms.RadioSelect)
    text = forms.CharField(
        required=False, max_length=MAX_TEXT, label="Your review (optional)",
        help_text="Published as “verified buyer” with the month, never with your name, "
                  "account or order. Don't include personal details.",
        widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        # Several of these forms share the order page (auto_id per item): the help text's
        # id follows the field's.
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["aria-describedby"] = self["text"].id_for_label + "_help"


class AnswerForm(StyledForm):
    answer = forms.CharField(
        max_length=MAX_ANSWER, label="Your public answer",
        help_text="Shown under the review. One answer per review, and it is final.",
        widget=forms.Textarea(attrs={"rows": 3}))
