"""Accounts, login, logout and password change."""

from flask import Flask


def init_app(app: Flask) -> None:
    import portal.auth.models  # noqa: F401  (Alembic and create_all see the whole schema)
    from portal.auth import audit_labels
    from portal.auth.services import load_user_from_session_id
    from portal.auth.views import bp
    from portal.extensions import login_manager

    app.register_blueprint(bp)
    audit_labels.register()
    login_manager.user_loader(load_user_from_session_id)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
