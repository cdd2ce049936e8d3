"""1+3+X joint meetings (党建联席会议): convene, agenda, sign-in and quorum, minutes confirmed by the 3,
resolutions followed until done, disclosure to the compound's residents, calendar files.

Agenda sources — the API other modules use to put their records on a meeting
-----------------------------------------------------------------------------
`portal.meetings.sources.register_agenda_source(kind, label=, describe=, candidates=None,
on_resolution_done=None, on_agenda=None, describe_many=None)` registers a kind of source once (at the
owning module's init_app); every agenda item stores (`source_kind`, `source_id`). `describe(source_id) ->
(title, url) | None`; `describe_many(source_ids) -> {source_id: (title, url)}` (optional: the meeting
page describes its agenda with one query per kind); `candidates(meeting) -> [(source_id, title)]` (what the convener may pick on the agenda page);
`on_agenda(source_id, item, by)` when an item from it is put on an agenda; `on_resolution_done(source_id,
resolution, by, resolve=False)` when a resolution of such an item is done (same transaction; use your
own module's services).

To put a record on a meeting: `portal.meetings.services.propose_topic(compound, by=, title=,
description=, source_kind=, source_id=, check_resident=False)` files it for the compound's next
meeting (the conveners accept it onto an agenda, keeping the source, or decline with a reason), or
`add_agenda_item(meeting, by=, title=, description=, expected_minutes=, source_kind=, source_id=)`
puts it on a given meeting. `agenda_entries(kind, id)` gives (meeting, item) pairs for the source's own
page ("on the agenda of …"). Repairs is the first source (builtin_sources.py): 社事 requests are
picked on the agenda page, the request's page lists its meetings (portal.repairs.hooks), and a done
resolution writes the outcome on its timeline and can resolve it (repairs.services.note_from_elsewhere).
"""

from flask import Flask

from portal.core.modules import (
    add_compound_panel,
    add_demo,
    add_indicators,
    add_nav,
    add_report_sheet,
    add_task,
    add_todos,
)
from portal.core.translations import lazy_gettext as _l

TASK_EVERY = 300  # seconds between reminder and follow-up runs


def init_app(app: Flask) -> None:
    import portal.meetings.models  # noqa: F401  (Alembic and create_all see the whole schema)
    from portal.meetings import builtin_sources, notices, permissions, steps, tasks  # noqa: F401  (rules)
    from portal.meetings.indicators import meetings_section, meetings_sheet
    from portal.meetings.panel import compound_panel
    from portal.meetings.todos import counted
    from portal.meetings.views import bp

    app.register_blueprint(bp)
    notices.register()
    builtin_sources.register()
    add_task(app, "meetings.reminders_follow_up", tasks.run, every_seconds=TASK_EVERY)
    add_nav(app, "meetings.index", _l("联席会议"), "meetings", rule="meetings.index", order=35)
    add_todos(app, counted)
    add_indicators(app, "meetings.figures", meetings_section, order=30)
    add_report_sheet(app, "meetings.records", meetings_sheet, order=30)
    add_compound_panel(app, "meetings/_compound_panel.html", compound_panel, order=30)
    add_demo(app, _load_demo, order=30)


def _load_demo(today):
    from portal.meetings import demo

    return demo.load_meetings_demo(today)
