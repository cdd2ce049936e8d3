"""Fragments on an allow-list: a view names the blocks htmx may ask for, any other answers 400, and
an allowed block never sits inside `{% if %}` or `{% for %}` (rendered alone, it would skip them)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from jinja2 import nodes

from portal.orgs.models import Role
from tests.conftest import login_as, post

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def _strings(node) -> set[str]:
    """Every string constant in an expression: "form", ("a", "b"), "x" if c else ()."""
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def allowed_blocks() -> dict[str, set[str]]:
    """template → the blocks some view's render() call allows, read from the source."""
    found: dict[str, set[str]] = {}
    for path in PORTAL.rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "render" and call.args):
                continue
            template = call.args[0]
            if not (isinstance(template, ast.Constant) and isinstance(template.value, str)):
                continue
            blocks = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg == "blocks"), None)
            found.setdefault(template.value, set()).update(_strings(blocks) if blocks is not None else set())
    return found


def _guarded_blocks(node, guarded=False, out=None) -> dict[str, bool]:
    """block name → whether an If or For encloses it."""
    out = {} if out is None else out
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.Block):
            out[child.name] = guarded
        _guarded_blocks(child, guarded or isinstance(child, nodes.If | nodes.For), out)
    return out


def test_the_source_scan_finds_the_views_allow_lists():
    found = allowed_blocks()
    assert found["repairs/queue.html"] == {"results"}
    assert found["orgs/people/edit.html"] == {"form", "password_form"}
    assert "buildings" in found["repairs/new.html"]


def test_no_allowed_block_sits_inside_an_if_or_a_for(app):
    problems = []
    for template, blocks in allowed_blocks().items():
        source = app.jinja_env.loader.get_source(app.jinja_env, template)[0]
        guarded = _guarded_blocks(app.jinja_env.parse(source))
        for block in blocks:
            if block not in guarded:
                problems.append(f"{template}: no block {block!r}")
            elif guarded[block]:
                problems.append(f"{template}: block {block!r} is inside an if/for")
    assert not problems, problems


def test_the_walker_sees_a_guarded_block(app):
    tree = app.jinja_env.parse("{% if x %}{% block a %}{% endblock %}{% endif %}{% block b %}{% endblock %}")
    assert _guarded_blocks(tree) == {"a": True, "b": False}


def _htmx_get(client, url, block):
    return client.get(url, headers={"HX-Request": "true", "X-Block": block})


def test_the_three_probes_answer_400_or_the_right_fragment(app, world):
    users, compound, household = world["users"], world["compound"], world["household"]
    admin = login_as(app.test_client(), users[Role.STREET_ADMIN])
    assert _htmx_get(admin, f"/compounds/{compound.id}/households", "phone").status_code == 400
    own = _htmx_get(admin, f"/people/{users[Role.STREET_ADMIN].id}/edit", "password_form")
    assert own.status_code == 400 and "password-form" not in own.get_data(as_text=True)
    resident = login_as(app.test_client(), users[Role.RESIDENT])
    assert _htmx_get(resident, "/repairs/new", "buildings").status_code == 400
    worker = login_as(app.test_client(), users[Role.COMMUNITY_WORKER])
    fragment = _htmx_get(worker, f"/repairs/new?compound_id={compound.id}", "buildings")
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and 'id="building-field"' in html and "<html" not in html
    phone = _htmx_get(admin, f"/households/{household.id}/phone", "phone")
    assert phone.status_code == 200 and household.owner_phone in phone.get_data(as_text=True)


@pytest.mark.parametrize("block", ["content", "title", "nonsense", "results\x00", "form" * 100, "bell"])
def test_a_block_the_view_does_not_allow_answers_400(app, world, block):
    client = login_as(app.test_client(), world["users"][Role.STREET_ADMIN])
    assert _htmx_get(client, "/compounds", block).status_code == 400
    assert post(client, "/people/new", {"name": "x"}, htmx=True, block=block).status_code == 400
