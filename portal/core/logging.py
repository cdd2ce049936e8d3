"""Keep residents' phone numbers out of every log line (access logs include query strings,
and a search box may hold a phone number)."""

import logging
import re

PHONE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


class MaskPhonesFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = PHONE.sub(r"\1****\2", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_masking() -> None:
    mask = MaskPhonesFilter()
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "portal", "flask.app"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskPhonesFilter) for f in logger.filters):
            logger.addFilter(mask)
