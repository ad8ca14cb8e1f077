from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from cryptoshop.accounts.models import User


class AccessTokenBackend(BaseBackend):
    """Sessions are created by actions.check_login; this backend only reloads the user."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> User | None:
        return None

    def get_user(self, user_id: int) -> User | None:
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
