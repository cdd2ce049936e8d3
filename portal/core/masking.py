"""Masking of residents' personal data for everyone who need not act on it."""

import re


def mask_phone(phone: str | None) -> str:
    """138****1234 for an 11-digit mobile; keeps at most the first 3 and last 4 digits."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(name: str | None) -> str:
    """张** : the family name only."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_room(room: str | None) -> str:
    return "***" if room else ""
