from __future__ import annotations

from typing import Any

from django import forms

from cryptoshop.catalog.actions import ListingInput
from cryptoshop.catalog.models import FIAT_CURRENCIES, Category, Listing
from cryptoshop.core.forms_util import StyledForm

SPEC_ROWS = 8


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ListingForm(StyledForm):
    title = forms.CharField(max_length=120)
    category = forms.ChoiceField(choices=())
    description = forms.CharField(required=False, max_length=20000, widget=forms.Textarea(
        attrs={"rows": 8}), help_text="Markdown: **bold**, lists, links. No images or HTML.")
    tags = forms.CharField(required=False, max_length=400,
                           help_text="Comma-separated, e.g. wool, handmade, winter.")
    price_mode = forms.ChoiceField(choices=Listing.PriceMode.choices, widget=forms.RadioSelect,
                                   initial="sat", label="Price in")
    price_sat = forms.IntegerField(required=False, min_value=1, label="Price (sats)")
    price_fiat = forms.DecimalField(required=False, min_value=0, max_digits=14,
                                    decimal_places=2, label="Price (fiat)")
    fiat_currency = forms.ChoiceField(choices=[("", "—"), *FIAT_CURRENCIES], required=False,
                                      label="Currency")
    stock = forms.IntegerField(required=False, min_value=0, label="Stock",
                               help_text="Leave empty for unlimited.")
    kind = forms.ChoiceField(choices=Listing.Kind.choices, widget=forms.RadioSelect,
                             initial="physical")
    digital_text = forms.CharField(
        required=False, max_length=20000, label="What the buyer receives (digital goods)",
        help_text="A licence key, a download link, instructions… Encrypted; shown to the "
                  "buyer on their order page once paid.", widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(choices=Listing.Status.choices, initial="draft",
                               help_text="Draft: only you see it. Active: for sale. "
                                         "Hidden: off sale, links keep working for you.")
    images = forms.FileField(required=False, widget=MultipleFileInput(
        attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        label="Add photos", help_text="Up to 8 in all; JPEG, PNG, WebP or GIF, 8 MB each. "
                                      "Location data and other metadata are removed.")
    digital_file = forms.FileField(required=False, label="File the buyer receives (optional)",
                                   help_text="Up to 20 MB, stored encrypted.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", "Choose…")]
        cats = list(Category.objects.filter(prohibited=False))
        for top in (c for c in cats if c.parent_id is None):
            children = [(c.slug, c.name) for c in cats if c.parent_id == top.pk]
            choices.append((top.name, [(top.slug, top.name), *children]) if children
                           else (top.slug, top.name))
        self.fields["category"].choices = choices  # type: ignore[attr-defined]
        for i in range(SPEC_ROWS):
            self.fields[f"spec_key_{i}"] = forms.CharField(required=False, max_length=60,
                                                           label="Name")
            self.fields[f"spec_value_{i}"] = forms.CharField(required=False, max_length=200,
                                                             label="Value")
            self.fields[f"spec_key_{i}"].widget.attrs.update({"class": "input"})
            self.fields[f"spec_value_{i}"].widget.attrs.update({"class": "input"})

    def spec_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"spec_key_{i}"], self[f"spec_value_{i}"]) for i in range(SPEC_ROWS)]

    def to_input(self) -> ListingInput:
        d = self.cleaned_data
        return ListingInput(
            title=d["title"], category=d["category"], description=d["description"],
            tags=d["tags"] or [], price_mode=d["price_mode"], price_sat=d["price_sat"],
            price_fiat=d["price_fiat"], fiat_currency=d["fiat_currency"], stock=d["stock"],
            kind=d["kind"], digital_text=d["digital_text"], status=d["status"],
            specifications=[(d[f"spec_key_{i}"], d[f"spec_value_{i}"]) for i in range(SPEC_ROWS)],
        )

    @staticmethod
    def initial_for(listing: Listing) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": listing.title, "category": listing.category.slug,
            "description": listing.description,
            "tags": ", ".join(t.name for t in listing.tags.all()),
            "price_mode": listing.price_mode, "price_sat": listing.price_sat,
            "price_fiat": listing.price_fiat, "fiat_currency": listing.fiat_currency,
            "stock": listing.stock, "kind": listing.kind, "digital_text": listing.digital_text,
            "status": listing.status,
        }
        for i, spec in enumerate(listing.specifications.all()[:SPEC_ROWS]):
            initial[f"spec_key_{i}"], initial[f"spec_value_{i}"] = spec.key, spec.value
        return initial
