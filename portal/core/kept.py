"""Rendered pieces kept between requests, under everything they show.

A list row is a pure function of a few values: the record's fields it displays, the names beside
them, the reader's language and what the reader may see of it. A module that draws its rows through
`kept_drawer` passes exactly those values as the key, so a kept row can never be stale — any change is
a different key, and the old entry simply ages out. What it saves is the template work (escaping,
filters, macros, translations), which is most of a list page's time once its queries are few.

Each worker keeps at most SIZE pieces (a row is about 1 KB: some 10 MB at most), least recently used
first out. The key always carries the language and the application root, since the same row reads
differently in English or under another mount point. A page asked with a long query string keeps
nothing (MAX_QUERY).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, request
from markupsafe import Markup

from portal.core.translations import current_locale

#: pieces kept per worker (per application)
SIZE = 10_000

#: a page asked with a longer query string is drawn, not kept: values typed into a URL (a search, the
#: filters) can end up in a key, and a worker must not keep thousands of made-up long ones
MAX_QUERY = 512


class KeptHtml:
    """A bounded LRU of rendered pieces; safe under threaded workers."""

    def __init__(self, size: int = SIZE):
        self.size = size
        self._pieces: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, draw: Callable[[], Markup]) -> Markup:
        with self._lock:
            piece = self._pieces.get(key)
            if piece is not None:
                self._pieces.move_to_end(key)
                self.hits += 1
                return piece
        piece = Markup(draw())
        with self._lock:
            self.misses += 1
            self._pieces[key] = piece
            while len(self._pieces) > self.size:
                self._pieces.popitem(last=False)
        return piece

    def __len__(self) -> int:
        return len(self._pieces)


def kept_pieces() -> KeptHtml:
    """The application's kept pieces (one per app, so test apps never share them)."""
    pieces = current_app.extensions.get("portal.kept_html")
    if pieces is None:
        pieces = current_app.extensions.setdefault("portal.kept_html", KeptHtml(current_app.config.get("KEPT_HTML_SIZE", SIZE)))
    return pieces


def kept_drawer(kind: str) -> Callable[[tuple, Callable[[], Markup]], Markup]:
    """`keep(key, draw)` for one page's pieces of `kind`: `draw()`'s output, kept under (kind, language,
    root, *key). `key` must hold every value `draw` shows — the module's test should change each one
    and see the output change."""
    if len(request.query_string) > MAX_QUERY:
        return lambda key, draw: Markup(draw())
    pieces, prefix = kept_pieces(), (kind, current_locale(), request.script_root)
    return lambda key, draw: pieces.get((*prefix, *key), draw)
