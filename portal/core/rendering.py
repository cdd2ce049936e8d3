"""Render a whole page, or for htmx the named block of the same template."""

from flask import abort, redirect, render_template, request
from jinja2_fragments import BlockNotFoundError
from jinja2_fragments.flask import render_block

VARY = "HX-Request, X-Block"


def wanted_block() -> str | None:
    """The block an htmx element asked for (header `X-Block`, or `_block` in the query/form).

    A boosted navigation (a plain link or form under hx-boost) always gets the whole page.
    """
    if not getattr(request, "htmx", False) or request.htmx.boosted:
        return None
    return request.headers.get("X-Block") or request.values.get("_block") or None


def render(template: str, block: str | None = None, *, status: int = 200, **context):
    """The page for a plain or boosted request; the block htmx names for an in-place update.

    `block` documents which block of `template` the page's htmx elements update.
    """
    wanted = wanted_block()
    if wanted:
        try:
            body = render_block(template, wanted, **context)
        except BlockNotFoundError:
            abort(400)
    else:
        body = render_template(template, **context)
    return body, status, {"Vary": VARY}


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
