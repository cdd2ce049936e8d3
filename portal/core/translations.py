"""The request's catalogue, looked up once.

Flask-Babel finds the catalogue anew for every string it translates: the context, the domain, the
locale and its name, then its cache. A list page translates some 250 strings (labels, lazy
constants, the menu), so that lookup was about a tenth of the page's time. This domain keeps the
catalogue it found for the rest of the request, for as long as the locale is the same object:
`force_locale` (a notice written in its reader's language) sets another one and gets its own.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import Flask
from flask.globals import _cv_app  # Flask 3.1 (pinned): the app context without LocalProxy's lookups
from flask_babel import Babel, Domain, get_locale
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup


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
    context = _cv_app.get(None)
    return None if context is None else context.g.get("_flask_babel")


#: the domain of every app (one catalogue, "messages"); stateless apart from Flask-Babel's own cache
DOMAIN = RequestDomain()


def _gettext_now(string: str, **variables) -> str:
    translated = DOMAIN.get_translations().ugettext(string)
    return translated % variables if variables else translated


def lazy_gettext(string: str, **variables) -> LazyString:
    """Flask-Babel's `lazy_gettext` (the same LazyString), translated through the kept catalogue: a
    label constant is read a hundred times a page, and Flask-Babel's path finds the domain each time."""
    return LazyString(_gettext_now, string, **variables)


def keep_catalogue_per_request(app: Flask, babel: Babel) -> None:
    """Make `babel`'s default domain the one above, for the catalogue "messages" (BABEL_DOMAIN's default),
    and let templates ask it directly (the portal never switches domains within a request). Call after
    `babel.init_app`, which installs the same callables through Flask-Babel's lookup."""
    domain = babel.domain_instance = DOMAIN
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: domain.get_translations().ugettext(string),
        ngettext=lambda singular, plural, n: domain.get_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: domain.get_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: domain.get_translations().unpgettext(context, singular, plural, n),
        newstyle=True,
    )
    # `_` and `gettext`, the calls a page makes a hundred times, go straight to the catalogue; Jinja's own
    # pair (an alias resolving `gettext`, which calls the function above) did three calls for one.
    template_gettext = _template_gettext(domain)
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)


def _template_gettext(domain: RequestDomain):
    """Jinja's "newstyle" gettext — the translation is a format string for the keyword arguments, Markup
    when autoescaping — with the no-argument result kept per catalogue (a catalogue never changes while
    the process runs)."""

    @pass_context
    def gettext(context, string, **variables):
        translations = domain.get_translations()
        if not variables and context.eval_ctx.autoescape:
            kept = _kept(translations)
            found = kept.get(string)
            if found is None:
                found = kept[string] = Markup(translations.ugettext(string)) % {}
            return found
        translated = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        return translated % variables

    return gettext


def _kept(translations) -> dict:
    try:
        return translations.portal_markup
    except AttributeError:
        translations.portal_markup = {}
        return translations.portal_markup


@lru_cache(maxsize=8)
def parsed_locale(name: str) -> Locale:
    """The `Locale` of a configured language name, parsed once (Flask-Babel would parse it per request)."""
    return Locale.parse(name)


def current_locale() -> str:
    """The name ("zh_CN", "en") of the language this page is written in: Flask-Babel's, which
    `force_locale` follows (Babel itself calls zh_CN "zh_Hans_CN")."""
    from flask import current_app

    locale = get_locale() or parsed_locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    name = _NAMES.get(locale)
    if name is None:
        name = _NAMES[locale] = next((name for name in current_app.config["LANGUAGES"] if parsed_locale(name) == locale),
                                     str(locale))
    return name


_NAMES: dict[Locale, str] = {}
