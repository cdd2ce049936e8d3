"""Error pages in the user's language. For htmx the message goes to the flash area instead
(HX-Retarget), so a half-filled form in the page stays as it was."""

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from portal.core.rendering import VARY
from portal.extensions import db


def _messages():
    return {
        400: _("请求无法处理，请检查后重试。"),
        403: _("您没有权限执行此操作。"),
        404: _("没有找到您要的页面，或您无权查看。"),
        405: _("不支持这种操作方式。"),
        413: _("上传的内容太大。"),
        429: _("操作过于频繁，请稍后再试。"),
        500: _("服务器出了点问题，我们已记录，请稍后再试。"),
    }


def _respond(status: int, message: str):
    if getattr(request, "htmx", False):
        body = render_template("_flash_one.html", level="error", message=message)
        return body, status, {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML", "Vary": VARY}
    return render_template("error.html", status=status, message=message), status, {"Vary": VARY}


def register_error_handlers(app):
    def handler_for(status):
        def handle(error):
            if status == 500:
                db.session.rollback()
            return _respond(status, _messages()[status])

        return handle

    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, handler_for(status))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _respond(400, _("页面已过期（安全校验失败）。请刷新页面后再提交；刷新前可先复制您填写的内容。"))
