"""Render a whole page, or for htmx the named block of the same template."""

from flask import render_template, request
from jinja2_fragments.flask import render_block


def render(template: str, block: str | None = None, *, status: int = 200, **context):
    """Page for a plain request; `block` of it when htmx asks for that block.

    The htmx caller names the block with `hx-vals` / the `_block` query or form field, or the view
    passes it; the response varies on HX-Request either way.
    """
    wanted = block or request.values.get("_block")
    if getattr(request, "htmx", False) and wanted:
        body = render_block(template, wanted, **context)
    else:
        body = render_template(template, **context)
    return body, status, {"Vary": "HX-Request"}


def hx_redirect(url: str):
    """After a valid htmx submission: let htmx load `url` as a boosted navigation."""
    from flask import redirect

    if getattr(request, "htmx", False):
        return "", 204, {"HX-Location": url}
    return redirect(url, code=303)
