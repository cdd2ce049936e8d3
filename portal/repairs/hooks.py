"""What other modules add to a request's page, without repairs knowing them.

A module that refers to repair requests (a joint meeting putting one on its agenda) registers a
provider; the request page lists what the providers return. Repairs imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable

#: provider(user, req) -> list of (text, url or None)
_LINK_PROVIDERS: list[Callable] = []


def add_request_links(provider: Callable) -> None:
    """Register `provider(user, req) -> [(text, url)]`, shown on the request page ("on the agenda of …")."""
    if provider not in _LINK_PROVIDERS:
        _LINK_PROVIDERS.append(provider)


def request_links(user, req) -> list[tuple[str, str | None]]:
    links = []
    for provider in _LINK_PROVIDERS:
        links.extend(provider(user, req))
    return links
