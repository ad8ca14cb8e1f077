from __future__ import annotations

import json

from django import forms

from cryptoshop.cart.actions import StoreGroup
from cryptoshop.core.forms_util import StyledForm


class CheckoutForm(StyledForm):
    shipping_address = forms.CharField(
        required=False, max_length=2000, label="Shipping address",
        help_text="Free text, as on a parcel. Encrypted at rest; only you and the seller(s) "
                  "see it, and it is erased 30 days after the order is finished.",
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}))
    note = forms.CharField(required=False, max_length=1000, label="Note to the seller(s)",
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, groups: list[StoreGroup], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.groups = groups
        for group in groups:
            if not group.needs_shipping:
                continue
            choices = [(o.pk, f"{o.name} — {o.regions} ({o.cost_sat:,} sats)")
                       for o in group.shipping_options]
            self.fields[f"shipping_{group.store.pk}"] = forms.TypedChoiceField(
                choices=choices, coerce=int, label=f"Shipping from {group.store.name}",
                widget=forms.RadioSelect, initial=choices[0][0] if len(choices) == 1 else None)
        if not any(g.needs_shipping for g in groups):
            del self.fields["shipping_address"]

    def shipping_choices(self) -> dict[int, int]:
        return {g.store.pk: self.cleaned_data[f"shipping_{g.store.pk}"] for g in self.groups
                if f"shipping_{g.store.pk}" in self.cleaned_data}

    def chosen_shipping_sat(self, group: StoreGroup) -> int | None:
        """The cost of the shipping option chosen for the group (the submitted one, or the
        only one), 0 when nothing ships, None while no option is chosen."""
        name = f"shipping_{group.store.pk}"
        if name not in self.fields:
            return 0
        raw = self[name].value()
        costs = {str(o.pk): o.cost_sat for o in group.shipping_options}
        return costs.get(str(raw)) if raw not in (None, "") else None

    def summary(self) -> list[dict[str, object]]:
        """Per store: the shipping chosen so far and the total in sats with it (None until
        shipping is chosen)."""
        rows: list[dict[str, object]] = []
        for group in self.groups:
            shipping_sat = self.chosen_shipping_sat(group)
            rows.append({"group": group, "shipping_sat": shipping_sat,
                         "total_sat": None if shipping_sat is None
                         else group.items_sat + shipping_sat,
                         # For app.js, which updates the total as soon as a radio is picked.
                         "field": f"shipping_{group.store.pk}",
                         "costs_json": json.dumps({str(o.pk): o.cost_sat
                                                   for o in group.shipping_options})})
        return rows

    def shipping_fields(self) -> list[tuple[StoreGroup, forms.BoundField]]:
        return [(g, self[f"shipping_{g.store.pk}"]) for g in self.groups
                if f"shipping_{g.store.pk}" in self.fields]


class ShipForm(StyledForm):
    note = forms.CharField(required=False, max_length=500, label="Note for the buyer",
                           help_text="Carrier and tracking number, or how to pick it up.")


class CancelForm(StyledForm):
    reason = forms.CharField(required=False, max_length=300, label="Reason (optional)")
