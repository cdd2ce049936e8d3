"""Render a whole page, or for htmx one named block of the same template — if the view allows it.

A view names the blocks its page's htmx elements may ask for (`render(template, "results", ...)`);
any other `X-Block` answers 400. A block rendered alone skips whatever the page wraps around it,
so the allowed blocks sit at the top level of their template, never inside `{% if %}` or
`{% for %}` (tests/core/test_fragments.py checks every template).
"""

from flask import abort, redirect, render_template, request
from jinja2_fragments import BlockNotFoundError
from jinja2_fragments.flask import render_block

from portal.core.errors import VARY


def wanted_block() -> str | None:
    """The block an htmx element asked for (header `X-Block`, or `_block` in the query/form).

    A boosted navigation (a plain link or form under hx-boost) always gets the whole page.
    """
    if not getattr(request, "htmx", False) or request.htmx.boosted:
        return None
    return request.headers.get("X-Block") or request.values.get("_block") or None


def render(template: str, blocks: str | tuple[str, ...] = (), *, status: int = 200, headers=None, **context):
    """The page for a plain or boosted request; for htmx, the block it names if `blocks` allows it."""
    allowed = (blocks,) if isinstance(blocks, str) else tuple(blocks)
    wanted = wanted_block()
    if wanted:
        if wanted not in allowed:
            abort(400)
        try:
            body = render_block(template, wanted, **context)
        except BlockNotFoundError:
            abort(400)
    else:
        body = render_template(template, **context)
    return body, status, {"Vary": VARY, **(headers or {})}


def hx_redirect(url: str):
    """After a valid submission: 303 for a plain or boosted form (htmx follows it and swaps the page),
    HX-Location for an htmx form that only asked for a block."""
    if wanted_block():
        return "", 204, {"HX-Location": url, "Vary": VARY}
    return redirect(url, code=303)


def form_status(form_or_errors) -> int:
    """422 for an htmx submission with errors (htmx is configured to swap it), else 200."""
    has_errors = form_or_errors.errors if hasattr(form_or_errors, "errors") else form_or_errors
    return 422 if has_errors and getattr(request, "htmx", False) else 200
