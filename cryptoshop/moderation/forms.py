from __future__ import annotations

from django import forms

from cryptoshop.core.admin_audit import MAX_REASON
from cryptoshop.core.forms_util import StyledForm
from cryptoshop.moderation.actions import MAX_REPORT_TEXT, QUEUE_ACTIONS
from cryptoshop.moderation.models import Report


class ReportForm(StyledForm):
    reason = forms.ChoiceField(
        choices=Report.Reason.choices, label="What is wrong with this listing?",
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        required=False, max_length=MAX_REPORT_TEXT, label="Details (optional)",
        help_text="What staff should look at. Required when the reason is “Other”. "
                  "Don't include personal information.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Radio buttons aren't text inputs: basecoat styles them by their own class.
        self.fields["reason"].widget.attrs["class"] = "input"


class QueueActionForm(StyledForm):
    # Read when the form is used: subject modules (review_reports) add their actions.
    action = forms.ChoiceField(choices=lambda: list(QUEUE_ACTIONS.items()))
    reason = forms.CharField(max_length=MAX_REASON, min_length=3, label="Reason",
                             help_text="Required. Goes into the audit log.")


class ReviewReportForm(ReportForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        reason.label = "What is wrong with this review?"
        reason.choices = [  # type: ignore[attr-defined]
            (Report.Reason.OFFENSIVE, "Offensive, or shares someone's personal details"),
            (Report.Reason.SCAM, "Fake or misleading"), (Report.Reason.OTHER, "Other")]
