"""Shared test configuration. Tiers live in folders: btc/ chain/ (pure), app/ (Django, on
SQLite and PostgreSQL), regtest/ (a real node), e2e/ (a real Chromium)."""
