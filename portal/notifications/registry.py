"""Message catalogues of the modules that notify.

A notification stores a key and its parameters, not finished text, so that it is worded when it is
read, in the reader's language. Each module registers its own texts (lazy strings, extracted for
translation like any other) under keys prefixed with its name, e.g. "repairs.assigned".
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping

from flask_babel import LazyString

KEY = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
KEY_LENGTH = 80  # Notification.key

_messages: dict[str, LazyString] = {}
_formatters: dict[str, dict[str, object]] = {}  # key prefix ("repairs.") -> parameter -> fn(value) -> text


def register_messages(mapping: Mapping[str, LazyString]) -> None:
    """Add a module's catalogue. Registering the same objects again is harmless (one per app created);
    a key taken by a different text is a programming error, as two modules would share a key."""
    for key, message in mapping.items():
        if not isinstance(key, str) or len(key) > KEY_LENGTH or not KEY.fullmatch(key):
            raise ValueError(f"notification key {key!r}: use 'module.name' in lower case, at most {KEY_LENGTH} characters")
        if not isinstance(message, LazyString):
            raise TypeError(f"notification {key!r}: register a lazy_gettext string, so it is translated when read")
        existing = _messages.get(key)
        if existing is not None and existing is not message:
            raise ValueError(f"notification key {key!r} is already registered with another text")
    _messages.update(mapping)


def lookup(key: str) -> LazyString | None:
    return _messages.get(key)


def registered() -> dict[str, LazyString]:
    """A copy of the whole catalogue (for tests and checks)."""
    return dict(_messages)


def register_formatters(prefix: str, formatters: Mapping[str, object]) -> None:
    """How a module's parameters read in the reader's language: a stored code (a category) becomes its
    label when the notification is shown, e.g. {"category": lambda code: CATEGORY_LABELS[code]}."""
    _formatters.setdefault(prefix, {}).update(formatters)


def formatted(key: str, params: Mapping) -> dict:
    """`params` with the registered formatters of `key`'s module applied (unknown values stay as stored)."""
    result = dict(params)
    for prefix, formatters in _formatters.items():
        if key.startswith(prefix):
            for name, format_value in formatters.items():
                if result.get(name) is not None:
                    with contextlib.suppress(KeyError, ValueError, TypeError):  # keep the stored value
                        result[name] = str(format_value(result[name]))
    return result
