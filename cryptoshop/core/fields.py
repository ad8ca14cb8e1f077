"""Model fields whose contents are encrypted at rest (see crypto.py)."""

from __future__ import annotations

from typing import Any

from django.db import models

from cryptoshop.core import crypto


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column stored as AES-256-GCM ciphertext bound to "<app>.<Model>.<field>".

    Empty strings are stored as empty (nothing to hide, and it keeps "not set" cheap to
    query). Not searchable or orderable by content, by design.
    """

    def _context(self) -> str:
        model = self.model
        return f"{model._meta.app_label}.{model.__name__}.{self.name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self._context())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), context=self._context())
