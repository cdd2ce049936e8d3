"""`{% kept "kind", value, … %}…{% endkept %}`: a piece of a template kept rendered (core.kept) under the
values the tag names, for the parts of a page that every request draws the same way (the menu, the
page's links, a list's filter form).

The rule is core.kept's: the body shows nothing but the values in the tag and what the language and
the mount point fix (labels, URLs of endpoints and static files). A value the body starts to show must
be added to the tag; a per-request value (a CSRF token, the bell) stays outside it. Outside a request
(a report rendered by a task) the body is simply drawn, as for a page asked with a long query string
(core.kept.MAX_QUERY).
"""

from __future__ import annotations

from flask import has_request_context
from jinja2 import nodes
from jinja2.ext import Extension

from portal.core.kept import kept_drawer


class KeptExtension(Extension):
    tags = {"kept"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        kind = parser.parse_expression()
        values = []
        while parser.stream.skip_if("comma"):
            values.append(parser.parse_expression())
        body = parser.parse_statements(("name:endkept",), drop_needle=True)
        call = self.call_method("_kept", [kind, nodes.Tuple(values, "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _kept(self, kind: str, values: tuple, caller):
        if not has_request_context():
            return caller()
        return kept_drawer(kind)(values, caller)
