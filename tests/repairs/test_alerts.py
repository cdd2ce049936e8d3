"""The outside-alert hook: every stored notification goes to the configured channel in its reader's
language, only after the change committed; the default channel only logs, without the text."""

from __future__ import annotations

import logging

import pytest

from portal.core.transaction import commit, rollback
from portal.extensions import db
from tests.repairs.conftest import make_request

SENT: list[tuple[int, str, str | None]] = []


class Recorder:
    """A stand-in gateway."""

    def send(self, user, text, link):
        SENT.append((user.id, text, link))


@pytest.fixture
def recorder(app, monkeypatch):
    SENT.clear()
    monkeypatch.setitem(app.config, "NOTIFICATION_CHANNEL", "tests.repairs.test_alerts:Recorder")
    return SENT


def test_an_alert_leaves_only_after_the_commit_in_the_readers_language(app, repair_world, recorder):
    w = repair_world
    from portal.repairs import services

    w["staff"].locale = "en"
    db.session.commit()
    req = make_request(w)  # tells the manager (dispatcher), committed by the helper
    assert [(uid, link) for uid, _text, link in recorder] == [(w["manager"].id, f"/repairs/{req.id}")]
    recorder.clear()
    services.assign(req, by=w["manager"], handler=w["staff"])
    assert recorder == []  # not yet: nothing is saved
    rollback()
    assert recorder == []  # and never, for a change that did not happen
    req = db.session.get(type(req), req.id)
    services.assign(req, by=w["manager"], handler=w["staff"])
    commit()
    [(uid, text, link)] = recorder
    assert (uid, link) == (w["staff"].id, f"/repairs/{req.id}")
    assert text.startswith(f"New work order for you: #{req.id} (Water and electricity)")  # English for this reader


def test_the_default_channel_logs_a_line_without_the_text(app, repair_world, caplog):
    w = repair_world
    with caplog.at_level(logging.INFO, logger="portal.notifications.channels"):
        req = make_request(w)
    assert f"/repairs/{req.id}" in caplog.text and "厨房水管漏水" not in caplog.text
    assert f"alert for user {w['manager'].id}" in caplog.text
