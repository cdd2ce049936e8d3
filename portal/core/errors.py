"""One error model, and error pages in the user's language.

A rule broken anywhere (a service, a photo check, a duplicate) raises `RuleError(message, field)`;
`portal.core.transaction.refusals` rolls the request back and puts the message beside its field.
A stale version is a `Conflict`. For htmx, error pages go to the flash area instead
(HX-Retarget), so a half-filled form in the page stays as it was.
"""

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

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
    }


def respond(status: int, message: str):
    if getattr(request, "htmx", False):
        body = render_template("_flash_one.html", level="error", message=message)
        return body, status, {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML", "Vary": VARY}
    return render_template("error.html", status=status, message=message), status, {"Vary": VARY}


def register_error_handlers(app):
    from portal.core.transaction import rollback

    def handler_for(status):
        def handle(error):
            if status == 500:
                rollback()
            return respond(status, _messages()[status])

        return handle

    for status in (400, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(status, handler_for(status))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return respond(400, _("页面已过期（安全校验失败）。请刷新页面后再提交；刷新前可先复制您填写的内容。"))

    @app.errorhandler(RuleError)
    def rule_error(error):
        """A refusal no view caught: the message, nothing saved (409 for a conflict)."""
        rollback()
        return respond(409 if isinstance(error, Conflict) else 422, str(error.message))
