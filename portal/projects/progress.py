"""Progress and punctuality of projects, derived from their milestones — never typed in.

A project's progress is the weight of its done milestones over the weight of all of them; a parent's is
the mean of its sub-projects' (cancelled ones left out). A milestone or project is on time (done by its
due date), late (done after it), overdue (not done and past it) or pending. Pure functions of the loaded
objects, so they are tested by hand-computed figures and cost no query.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

ON_TIME, LATE, OVERDUE, PENDING = "on_time", "late", "overdue", "pending"


def milestone_state(milestone, today: date) -> str:
    if milestone.done_on is not None:
        return ON_TIME if milestone.done_on <= milestone.due_date else LATE
    return OVERDUE if today > milestone.due_date else PENDING


def milestones_progress(milestones) -> Fraction:
    total = sum(m.weight for m in milestones)
    if total <= 0:
        return Fraction(0)
    return Fraction(sum(m.weight for m in milestones if m.done_on is not None), total)


def project_progress(project) -> Fraction:
    """0..1. A completed project is whole; a parent is the mean of its live sub-projects."""
    if project.status in ("completed", "evaluated"):
        return Fraction(1)
    children = [child for child in project.children if child.status != "cancelled"]
    if children:
        return sum((project_progress(child) for child in children), Fraction(0)) / len(children)
    return milestones_progress(project.milestones)


def percent(value: Fraction) -> int:
    return int(value * 100)


def project_state(project, today: date) -> str | None:
    """None for a cancelled project (no deadline to keep any more)."""
    if project.status == "cancelled":
        return None
    if project.completed_on is not None:
        return ON_TIME if project.completed_on <= project.deadline else LATE
    return OVERDUE if today > project.deadline else PENDING


def on_time_share(projects) -> tuple[int, int]:
    """(finished on time, finished) among the given projects: the community's punctuality."""
    finished = [p for p in projects if p.completed_on is not None and p.status != "cancelled"]
    return sum(1 for p in finished if p.completed_on <= p.deadline), len(finished)
