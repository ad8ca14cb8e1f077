"""The one error of the rates app: no trustworthy rate, so nothing may be priced."""

from __future__ import annotations

from cryptoshop.core.errors import ActionError


class RateUnavailable(ActionError):
    """Too few fresh, agreeing sources (or no fixed rate for the currency): refuse to price.

    The API answers 503 ``{"success": false, "error": "rate_unavailable", "message": …}``;
    HTML views show the message. Never replaced by a guessed or cached-forever number.
    """

    status = 503
    code = "rate_unavailable"
