"""The templates' `datetime` filter writes numeric patterns itself (core.clock.local_numeric): the same
text Babel writes, in Shanghai time, in both languages."""

from datetime import UTC, datetime

import pytest
from flask import render_template_string, session
from flask_babel import format_datetime

from portal.core.clock import NUMERIC_PATTERNS

MOMENTS = [datetime(2026, 11, 24, 16, 0, 5), datetime(2026, 11, 24, 15, 59, 59, tzinfo=UTC),
           datetime(2025, 12, 31, 17, 30), datetime(2026, 3, 1, 0, 0, tzinfo=UTC)]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_numeric_patterns_read_as_babel_writes_them(app, locale):
    with app.test_request_context("/"):
        session["locale"] = locale
        for moment in MOMENTS:
            for pattern in NUMERIC_PATTERNS:
                ours = render_template_string("{{ moment|datetime(pattern) }}", moment=moment, pattern=pattern)
                assert ours == format_datetime(moment, pattern), (moment, pattern)


def test_other_patterns_and_empty_values_still_work(app):
    with app.test_request_context("/"):
        assert render_template_string("{{ none|datetime }}", none=None) == ""
        assert render_template_string("{{ m|datetime('yyyy年M月d日') }}", m=MOMENTS[0]) == "2026年11月25日"
        assert render_template_string("{{ m|datetime }}", m=MOMENTS[0]) == "2026-11-25 00:00"
