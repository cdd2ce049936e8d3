"""Migration 0005 keeps the notifications already written and can be undone."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db

BEFORE = "0005_notification_messages-1"


def test_old_notifications_keep_their_text_both_ways(tmp_path):
    class Fresh(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'notices.sqlite3'}"

    app = create_app(Fresh)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO \"user\" (id, name, password_hash, session_token, active, is_party_member, "
                              "created_at, updated_at) VALUES (1, '读者', 'x', 't', 1, 0, '2026-01-01', '2026-01-01')"))
            conn.execute(text("INSERT INTO notification (user_id, created_at, title, link) "
                              "VALUES (1, '2026-01-01', '您的诉求 5 已受理，正在处理。', '/repairs/5')"))
        upgrade()
        with db.engine.begin() as conn:
            rows = conn.execute(text("SELECT title, key, params FROM notification")).all()
            assert rows == [("您的诉求 5 已受理，正在处理。", None, None)]
            conn.execute(text("INSERT INTO notification (user_id, created_at, key, params) "
                              "VALUES (1, '2026-01-02', 'repairs.assigned', '{\"no\": 6}')"))
        downgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            titles = conn.execute(text("SELECT title FROM notification ORDER BY id")).scalars().all()
        assert titles == ["您的诉求 5 已受理，正在处理。", "您有一条通知。"]
        db.engine.dispose()
