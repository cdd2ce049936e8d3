"""The English catalogue is complete: every string the source marks for translation has an English
translation, and no translation loses or invents a `%(name)s` placeholder.

The messages are extracted afresh from the source (the same mapping as babel.cfg and the keywords of
`make extract-messages`), so a string added without running the extraction is caught too. Only the
.po file is read; the compiled .mo is not needed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
EN_PO = ROOT / "portal" / "translations" / "en" / "LC_MESSAGES" / "messages.po"

# babel.cfg: [python: portal/**.py] and [jinja2: templates/**.html], whose parser knows the `kept` tag.
METHOD_MAP = [
    ("portal/**.py", "python"),
    ("templates/**.html", "jinja2.ext:babel_extract"),
]
# A template the extractor cannot parse must fail here, not silently contribute no strings.
OPTIONS_MAP = {"templates/**.html": {"silent": "false", "extensions": "portal.core.kept_tag.KeptExtension"}}
# pybabel's defaults (_, gettext, ngettext, pgettext ...) plus the lazy forms used in Python code.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}

PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]")


def _directory_filter(dirpath: str) -> bool:
    # Babel's default filter also skips directories starting with "_", which would leave out
    # templates/_macros; skip only hidden directories (.venv, .git) and bytecode caches.
    name = os.path.basename(dirpath)
    return not name.startswith(".") and name != "__pycache__"


def _extract() -> dict[tuple[str, str | None], list[str]]:
    """{(msgid, context): ["file:line", ...]} for every message marked in the source."""
    current = {}

    def callback(filename, method, options):
        current["file"] = filename

    found: dict[tuple[str, str | None], list[str]] = {}
    try:
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), METHOD_MAP, OPTIONS_MAP, KEYWORDS, callback=callback,
            directory_filter=_directory_filter,
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    except Exception as exc:  # e.g. a template syntax error: say which file
        raise AssertionError(f"could not extract messages from {current.get('file')}: {exc}") from exc
    return found


def _catalog():
    with EN_PO.open("rb") as fh:
        return read_po(fh, locale="en")


@pytest.fixture(scope="module")
def extracted():
    messages = _extract()
    assert messages, "no translatable strings found: is the extraction mapping still right?"
    return messages


@pytest.fixture(scope="module")
def catalog():
    return _catalog()


def _translated(message) -> bool:
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(s and s.strip() for s in strings)


def test_every_source_string_has_an_english_translation(extracted, catalog):
    assert not catalog.fuzzy, f"{os.path.relpath(EN_PO, ROOT)}: the header is marked fuzzy, so it would not be compiled"
    missing = [
        (msgid, context, places)
        for (msgid, context), places in sorted(extracted.items(), key=lambda item: (item[0][0], item[0][1] or ""))
        if not _translated(catalog.get(msgid, context=context))
    ]
    lines = [
        f"  {msgid!r}{f' (context {context!r})' if context else ''}  — {', '.join(places[:3])}"
        + ("  [kept only as obsolete '#~': the last extraction did not see this file]"
           if (msgid, context) in catalog.obsolete or msgid in catalog.obsolete else "")
        for msgid, context, places in missing
    ]
    assert not missing, (
        f"{len(missing)} message(s) have no English translation (missing, empty or fuzzy) in "
        f"{os.path.relpath(EN_PO, ROOT)}.\nRun `make extract-messages`, translate these and remove any "
        "'#, fuzzy' flag (pybabel skips directories whose names start with '_', such as "
        "templates/_macros, unless `pybabel extract` is given --ignore-dirs '.*'):\n" + "\n".join(lines)
    )


def test_translations_keep_the_placeholders(catalog):
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != expected:
                wrong.append(f"  {ids[0]!r} -> {string!r}: expected {sorted(expected)}, "
                             f"got {sorted(set(PLACEHOLDER.findall(string)))}")
    assert not wrong, "translations whose %(name)s placeholders differ from the msgid:\n" + "\n".join(wrong)
