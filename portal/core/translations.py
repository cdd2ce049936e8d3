"""The request's catalogue, looked up once.

Flask-Babel finds the catalogue anew for every string it translates: the context, the domain, the
locale and its name, then its cache. A list page translates some 250 strings (labels, lazy
constants, the menu), so that lookup was about a tenth of the page's time. This domain keeps the
catalogue it found for the rest of the request, for as long as the locale is the same object:
`force_locale` (a notice written in its reader's language) sets another one and gets its own.
"""

from __future__ import annotations

from flask import Flask, g, has_app_context
from flask_babel import Babel, Domain


class RequestDomain(Domain):
    def get_translations(self):
        context = _babel_context()
        locale = getattr(context, "babel_locale", None)
        kept = getattr(context, "portal_catalogue", None)
        if locale is not None and kept is not None and kept[0] is locale:
            return kept[1]
        translations = super().get_translations()
        context = _babel_context()  # Flask-Babel creates it on first use
        if context is not None:
            context.portal_catalogue = (getattr(context, "babel_locale", None), translations)
        return translations


def _babel_context():
    """Where Flask-Babel keeps the request's locale (`g._flask_babel` in 4.x); None outside an app
    context, or if a later Flask-Babel keeps it elsewhere (then every lookup is Flask-Babel's own)."""
    return g.get("_flask_babel") if has_app_context() else None


def keep_catalogue_per_request(app: Flask, babel: Babel) -> None:
    """Make `babel`'s default domain the one above, for the catalogue "messages" (BABEL_DOMAIN's default),
    and let templates ask it directly (the portal never switches domains within a request). Call after
    `babel.init_app`, which installs the same callables through Flask-Babel's lookup."""
    domain = babel.domain_instance = RequestDomain()
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: domain.get_translations().ugettext(string),
        ngettext=lambda singular, plural, n: domain.get_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: domain.get_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: domain.get_translations().unpgettext(context, singular, plural, n),
        newstyle=True,
    )
