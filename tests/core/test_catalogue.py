"""The request's catalogue is looked up once (core.translations) yet follows every change of locale:
the reader's language, a notice written in its recipient's language inside the same request, and back."""

from flask import g, render_template_string, session
from flask_babel import force_locale, gettext, lazy_gettext

HOME = lazy_gettext("首页")


def _both():
    return gettext("首页"), str(HOME), render_template_string("{{ _('首页') }}|{{ pgettext('x', '首页') }}")


def test_the_catalogue_follows_the_locale_within_one_request(app):
    with app.test_request_context("/"):
        session["locale"] = "en"
        assert _both() == ("Home", "Home", "Home|首页")  # no English under that context: the msgid itself
        with force_locale("zh_CN"):
            assert _both() == ("首页", "首页", "首页|首页")
            with force_locale("en"):
                assert gettext("首页") == "Home"
            assert gettext("首页") == "首页"
        assert _both() == ("Home", "Home", "Home|首页")


def test_each_request_finds_its_own(app):
    """(Here both requests share the test's application context, so `g` is emptied between them, as
    a server's next request starts with a new one.)"""
    with app.test_request_context("/"):
        assert gettext("首页") == "首页"
    for key in list(vars(g)):
        g.pop(key)
    with app.test_request_context("/"):
        session["locale"] = "en"
        assert gettext("首页") == "Home"


def test_outside_a_request_the_default_language(app):
    assert gettext("首页") == "首页"
