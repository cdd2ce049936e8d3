"""One error model, and error pages in the user's language.

A rule broken anywhere (a service, a photo check, a duplicate) raises `RuleError(message, field)`;
`portal.core.transaction.refusals` rolls the request back and puts the message beside its field.
A stale version is a `Conflict`. For htmx, error pages go to the flash area instead
(HX-Retarget), so a half-filled form in the page stays as it was.

A database that is busy (SQLite's writer lock not free within SQLITE_BUSY_TIMEOUT_SECONDS) or
unreachable (PostgreSQL restarting, a dropped connection) answers 503 with Retry-After: the request
is rolled back, nothing of it is kept, and the page says to try again. That page needs no database.
"""

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from portal.core.translations import lazy_gettext as _l

VARY = "HX-Request, X-Block"
CONFLICT = _l("这条记录刚被其他人修改过。下面显示的是最新内容，请核对后重新保存。")


class RuleError(Exception):
    """A change the rules refuse: `message` is shown to the user, `field` names the form field it
    concerns (None: the top of the form). Nothing of the change is kept."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class Conflict(RuleError):
    """Someone else changed the record since this user loaded it: show the fresh record."""

    def __init__(self, message=CONFLICT, field: str | None = None):
        super().__init__(message, field)


def _messages():
    return {
        400: _("请求无法处理，请检查后重试。"),
        403: _("您没有权限执行此操作。"),
        404: _("没有找到您要的页面，或您无权查看。"),
        405: _("不支持这种操作方式。"),
        409: _("这条记录刚被其他人修改过，请刷新后重试。"),
        413: _("上传的内容太大。"),
        429: _("操作过于频繁，请稍后再试。"),
        500: _("服务器出了点问题，我们已记录，请稍后再试。"),
        503: _("系统暂时繁忙，请稍后再试。"),
    }


def database_unavailable(error) -> bool:
    """Busy or unreachable, as opposed to a bug: SQLite's "database is locked"/"busy"; for a server
    database an OperationalError/InterfaceError (connection refused or lost, server shutting down,
    deadlock or serialization failure) or any error after which the connection was invalidated."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if not isinstance(error, DBAPIError):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        message = str(error.orig).lower()
        return isinstance(error, OperationalError) and ("locked" in message or "busy" in message)
    return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)


class PortalFlask(Flask):
    """Flask, except that the database being busy or away is not logged as a bug where it surfaces after
    the view (an after_request hook such as the bell appended to a fragment, core.oob), out of reach of
    the DBAPIError handler: the 500 handler answers it with the same 503 + Retry-After and logs it as a
    warning (`unavailable`)."""

    def log_exception(self, exc_info) -> None:
        if database_unavailable(exc_info[1]):
            return
        super().log_exception(exc_info)


def respond(status: int, message: str):
    if getattr(request, "htmx", False):
        body = render_template("_flash_one.html", level="error", message=message)
        return body, status, {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML", "Vary": VARY}
    return render_template("error.html", status=status, message=message), status, {"Vary": VARY}


def unavailable(error):
    """The 503 page (or, for htmx, the flash message) with Retry-After. The caller has rolled back."""
    current_app.logger.warning("database unavailable (503): %s", (str(getattr(error, "orig", error)).strip()
                                                                   .splitlines() or [""])[0])
    # This response must not touch the database again: who is logged in is not looked up.
    g._login_user = current_app.login_manager.anonymous_user()
    retry = str(current_app.config.get("UNAVAILABLE_RETRY_AFTER", 2))
    message = _messages()[503]
    if getattr(request, "htmx", False):
        body = render_template("_flash_one.html", level="error", message=message)
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
    else:
        body, headers = render_template("unavailable.html", message=message, retry_after=retry), {}
    return body, 503, {**headers, "Retry-After": retry, "Vary": VARY, "Cache-Control": "no-store"}


def register_error_handlers(app):
    from portal.core.transaction import rollback

    def handler_for(status):
        def handle(error):
            if status == 500:
                rollback()
                cause = getattr(error, "original_exception", None)
                if database_unavailable(cause):  # raised where no handler sees it (an after_request hook)
                    return unavailable(cause)
            return respond(status, _messages()[status])

        return handle

    for status in (400, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(status, handler_for(status))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return respond(400, _("页面已过期（安全校验失败）。请刷新页面后再提交；刷新前可先复制您填写的内容。"))

    from sqlalchemy.exc import DBAPIError

    @app.errorhandler(DBAPIError)
    def database_error(error):
        """503 + Retry-After while the database is busy or away; any other database error is a bug (500)."""
        if not database_unavailable(error):
            raise error
        rollback()
        return unavailable(error)

    @app.errorhandler(RuleError)
    def rule_error(error):
        """A refusal no view caught: the message, nothing saved (409 for a conflict)."""
        rollback()
        return respond(409 if isinstance(error, Conflict) else 422, str(error.message))
