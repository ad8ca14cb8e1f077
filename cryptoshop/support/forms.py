from __future__ import annotations

from typing import Any

from django import forms

from cryptoshop.accounts.models import User
from cryptoshop.core.forms_util import StyledForm
from cryptoshop.orders.models import Order
from cryptoshop.support.actions import MAX_SUBJECT, MAX_TEXT
from cryptoshop.support.models import Ticket

CHOOSE = [("", "Choose…")]


class NewTicketForm(StyledForm):
    category = forms.ChoiceField(choices=[*CHOOSE, *Ticket.Category.choices], required=False)
    subject = forms.CharField(max_length=MAX_SUBJECT, required=False)
    # Any string: the action decides whether it is one of the user's orders (a stranger's
    # id gets the same sentence as a made-up one).
    order = forms.CharField(required=False, label="Order (optional)",
                            widget=forms.Select(choices=[]))
    text = forms.CharField(required=False, max_length=MAX_TEXT, label="Message",
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="Stored encrypted; erased some time after the ticket "
                                     "is resolved.")

    def __init__(self, *args: object, orders: list[Order], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "No order"), *[
            (o.public_id, f"{o.public_id} · {o.store.name} · {o.get_status_display()}")
            for o in orders]]
        self.fields["order"].widget.choices = choices


class ReplyForm(StyledForm):
    text = forms.CharField(required=False, max_length=MAX_TEXT, label="Reply",
                           widget=forms.Textarea(attrs={"rows": 4}))


class StaffReplyForm(ReplyForm):
    internal = forms.BooleanField(required=False, label="Internal note (never shown to the user)")


class StaffUpdateForm(StyledForm):
    status = forms.ChoiceField(choices=Ticket.Status.choices)
    priority = forms.ChoiceField(choices=Ticket.Priority.choices)
    assignee = forms.ChoiceField(required=False, choices=[])

    def __init__(self, *args: object, staff: list[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["assignee"]
        field.choices = [("", "Unassigned"), *[(s.public_id, s.label) for s in staff]]


class QueueForm(forms.Form):
    """The queue's filters (GET): unknown values mean "any", never an error."""

    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Ticket.Status.choices])
    priority = forms.ChoiceField(required=False, choices=[("", "Any priority"),
                                                           *Ticket.Priority.choices])
    assignee = forms.ChoiceField(required=False, choices=[
        ("anyone", "Anyone"), ("me", "Assigned to me"), ("unassigned", "Unassigned")])
    category = forms.ChoiceField(required=False, choices=[("", "Any category"),
                                                           *Ticket.Category.choices])
