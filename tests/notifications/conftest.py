"""A throw-away message catalogue for notification tests, removed again afterwards."""

import pytest
from flask_babel import lazy_gettext as _l

from portal.notifications import registry

TEST_MESSAGES = {
    "tests.accepted": _l("您的报修已受理"),
    "tests.second": _l("第二条通知"),
    "tests.theirs": _l("别人的通知"),
    "tests.numbered": _l("编号 %(no)s 的测试通知"),
}


@pytest.fixture
def test_messages():
    before = registry.registered()
    registry.register_messages(TEST_MESSAGES)
    yield TEST_MESSAGES
    registry._messages.clear()
    registry._messages.update(before)
