"""How a module plugs itself in: navigation entries, home-page to-dos, indicators and periodic tasks.

Each domain package has `init_app(app)` that registers its blueprint and CLI commands and calls
the functions below; `create_app` lists the packages once (`portal.MODULES`). Nothing here knows
a module: the navigation, the home page and the task runner read only what was registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object  # a lazy string: rendered in the reader's language
    key: str
    rule: str  # shown to those for whom can(user, rule) holds
    order: int


@dataclass(frozen=True)
class Todo:
    """One line of a person's to-do list on the home page: "3 requests to dispatch"."""

    label: object
    count: int
    url: str
    urgent: bool = False  #: overdue or otherwise late: shown first, in red


@dataclass(frozen=True)
class Task:
    name: str
    run: Callable[[], object]
    every_seconds: int


@dataclass
class Registry:
    nav: list[NavEntry] = field(default_factory=list)
    todos: list[Callable] = field(default_factory=list)  # fn(user) -> Counted | list[Todo] | None
    indicators: list[tuple[int, str, Callable]] = field(default_factory=list)  # (order, name, fn(area, period))
    sheets: list[tuple[int, str, Callable]] = field(default_factory=list)  # (order, name, fn(area, period))
    panels: list[tuple[int, str, Callable]] = field(default_factory=list)  # (order, template, fn(user) -> ctx|None)
    #: (order, template, fn(user, compound) -> ctx|None): sections of a compound's page
    compound_panels: list[tuple[int, str, Callable]] = field(default_factory=list)
    #: (order, template, fn(user, company) -> ctx|None): sections of a property company's figures page
    company_panels: list[tuple[int, str, Callable]] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    demos: list[tuple[int, Callable]] = field(default_factory=list)  # (order, fn(today)) after the structure
    files: dict[str, Callable] = field(default_factory=dict)  # name -> fn() -> folder of uploaded files


def registry(app: Flask | None = None) -> Registry:
    app = app or current_app
    return app.extensions.setdefault("portal", Registry())


def add_nav(app: Flask, endpoint: str, label, key: str, *, rule: str, order: int) -> None:
    registry(app).nav.append(NavEntry(endpoint, label, key, rule, order))


def add_todos(app: Flask, provider: Callable) -> None:
    """`provider(user)`: what this module asks of the user now, counted in SQL — a `core.todo_counts.Counted`
    (its statement, run with the other modules' in one), or a list of `Todo`s, or None."""
    registry(app).todos.append(provider)


def add_home_panel(app: Flask, template: str, provider: Callable, *, order: int) -> None:
    """A section of the home page: `provider(user)` returns its template context, or None to hide it."""
    registry(app).panels.append((order, template, provider))


def add_compound_panel(app: Flask, template: str, provider: Callable, *, order: int) -> None:
    """A section of a compound's page (its requests, meetings, surveys, projects …): `provider(user,
    compound)` returns the template's `panel` context, or None to leave it out for this user."""
    registry(app).compound_panels.append((order, template, provider))
    registry(app).compound_panels.sort(key=lambda item: item[0])


def add_company_panel(app: Flask, template: str, provider: Callable, *, order: int) -> None:
    """A section of a property company's figures page that does not follow the chosen period (its
    satisfaction trend, its rank among the street's companies): `provider(user, company)` returns the
    template's `panel` context, or None to leave it out for this user."""
    registry(app).company_panels.append((order, template, provider))
    registry(app).company_panels.sort(key=lambda item: item[0])


def add_indicators(app: Flask, name: str, provider: Callable, *, order: int) -> None:
    """`provider(area, period) -> core.indicators.Section | None`: this module's figures for a community or a
    street over a period, computed in SQL, each linking to the list behind it (core.indicators)."""
    if any(existing == name for _order, existing, _provider in registry(app).indicators):
        raise ValueError(f"indicators {name!r} registered twice")
    registry(app).indicators.append((order, name, provider))
    registry(app).indicators.sort(key=lambda item: item[0])


def add_report_sheet(app: Flask, name: str, provider: Callable, *, order: int) -> None:
    """`provider(area, period) -> core.indicators.Sheet | None`: this module's rows behind its figures for
    the monthly report (personal data masked or left out)."""
    if any(existing == name for _order, existing, _provider in registry(app).sheets):
        raise ValueError(f"report sheet {name!r} registered twice")
    registry(app).sheets.append((order, name, provider))
    registry(app).sheets.sort(key=lambda item: item[0])


def add_task(app: Flask, name: str, run: Callable[[], object], *, every_seconds: int) -> None:
    """A periodic job (escalations, reminders): run by cron through `flask tasks`, and now and then
    by the web process for installations without cron."""
    registry(app).tasks.append(Task(name, run, every_seconds))


def add_demo(app: Flask, loader: Callable, *, order: int) -> None:
    """`loader(today)` adds this module's demo data to a freshly loaded demo street."""
    registry(app).demos.append((order, loader))


def add_files(app: Flask, name: str, folder: Callable) -> None:
    """A folder of uploaded files that belongs in every backup (`folder()` gives its path)."""
    registry(app).files[name] = folder
