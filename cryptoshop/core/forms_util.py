from __future__ import annotations

import re

from django import forms

from cryptoshop.core.errors import ActionError, ValidationFailed

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _field_name(key: str) -> str:
    # Actions name fields as the API does (camelCase); form fields are snake_case.
    return _CAMEL.sub("_", key).lower()


def apply_error(form: forms.Form, exc: ActionError) -> None:
    """Show an action's error on the form: per field when it names one, else at the top."""
    if isinstance(exc, ValidationFailed):
        for key, messages in exc.details.items():
            name = _field_name(key)
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        return
    field = _field_name(exc.field) if exc.field else None
    form.add_error(field if field and field in form.fields else None, exc.message)


class StyledForm(forms.Form):
    """Adds basecoat's classes to widgets, so templates can render fields plainly."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = ""
            elif isinstance(widget, forms.Select):
                css = "select w-full"
            elif isinstance(widget, forms.Textarea):
                css = "textarea"
            else:
                css = "input"
            if css:
                widget.attrs.setdefault("class", css)
            if field.help_text:
                widget.attrs.setdefault("aria-describedby", f"id_{name}_help")

    def full_clean(self) -> None:
        super().full_clean()
        # Mark invalid fields for assistive tech (and basecoat's red outline). Done after
        # cleaning, not in __init__: touching self.errors there would clean too early,
        # before subclasses add their dynamic fields.
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"
