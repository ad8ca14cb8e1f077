"""Logging helpers: JSON lines, and a last-line-of-defence filter that masks secrets.

Nothing should log tokens in the first place; the filter exists because one careless
f-string in a later change must not put an access token into a log file.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

# Access tokens (cs1_…), Django session keys in "sessionid=…" style pairs, Bearer headers,
# and IPv4 addresses, which we do not log by default.
_PATTERNS = [
    (re.compile(r"cs1_[A-Za-z0-9]{20,}"), "cs1_[redacted]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), "[ip]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
