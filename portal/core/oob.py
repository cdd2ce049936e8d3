"""Out-of-band updates for htmx responses.

A fragment (the named block an htmx element asked for) replaces only its own target, so whatever else
the request changed — the flash messages, the bell's unread count — would stay stale until the next
whole page. `init_app` appends such parts to every fragment as `hx-swap-oob` elements, which htmx
swaps into place by id. Whole pages (plain or boosted) render them anyway; error responses from
core.errors are already retargeted to #flash and get nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask, current_app, get_flashed_messages, render_template, request

from portal.core.rendering import wanted_block


def is_fragment(response) -> bool:
    """An HTML block for an htmx element that asked for one (not boosted), shown on success or 422."""
    return bool(
        getattr(request, "htmx", False)
        and not request.htmx.boosted
        and wanted_block()
        and response.status_code in (200, 422)
        and response.mimetype == "text/html"
        and "HX-Retarget" not in response.headers
        and not response.direct_passthrough
        and not response.is_streamed
    )


def flash_part() -> str:
    """The pending flash messages, replacing the flash area's content; taking them here means they are
    not shown again by the next page. Nothing when there are none, so older messages stay."""
    messages = get_flashed_messages(with_categories=True)
    return render_template("_flash.html", flash_messages=messages, oob=True) if messages else ""


def init_app(app: Flask, *parts: Callable[[], str], quiet: tuple[str, ...] = ()) -> None:
    """Append the flash messages, and any further `parts` (each returns HTML or ""), to every fragment.

    `quiet` endpoints get nothing: background refreshes such as the bell's poll, which may run at the
    same moment as the page an action leads to and must not take that page's flash messages.
    """
    state = app.extensions.get("oob")
    if state is None:
        state = app.extensions["oob"] = {"parts": [flash_part], "quiet": set()}
        app.after_request(_append_parts)
    state["parts"].extend(part for part in parts if part not in state["parts"])
    state["quiet"].update(quiet)


def _append_parts(response):
    state = current_app.extensions["oob"]
    if request.endpoint in state["quiet"] or not is_fragment(response):
        return response
    body = response.get_data(as_text=True)
    if body.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        return response  # a view answered with the whole page after all: it has everything already
    extra = "".join(part() for part in state["parts"])
    if extra:
        response.set_data(body + extra)
    return response


def add_trigger(response, event: str) -> None:
    """Add `event` to the response's HX-Trigger header (either of its forms: JSON object or a list of names)."""
    current = (response.headers.get("HX-Trigger") or "").strip()
    if not current:
        response.headers["HX-Trigger"] = event
    elif current.startswith("{"):
        events = json.loads(current)
        events.setdefault(event, None)
        response.headers["HX-Trigger"] = json.dumps(events)
    elif event not in {name.strip() for name in current.split(",")}:
        response.headers["HX-Trigger"] = f"{current}, {event}"
