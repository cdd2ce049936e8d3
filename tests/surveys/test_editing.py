"""Copying and editing a survey over HTTP: the standard template is read-only, a copy is edited, and a
survey with answers refuses changes with a message, keeping what was typed."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.surveys import services
from portal.surveys.models import Channel, Survey
from tests.conftest import login_as, post
from tests.surveys.conftest import launch, values_for


def test_copy_then_add_a_choice_question(app, sw):
    template = services.standard_template()
    db.session.commit()
    client = login_as(app.test_client(), sw["secretary"])
    page = client.get(f"/surveys/survey/{template.id}").get_data(as_text=True)
    assert "复制为本社区问卷" in page and "添加题目" not in page
    copied = post(client, f"/surveys/survey/{template.id}/copy", {"name": "和平社区测评问卷"})
    assert copied.status_code == 303
    copy = db.session.scalar(select(Survey).where(Survey.name == "和平社区测评问卷"))
    assert copy.community_id == sw["community"].id and len(copy.questions) == len(template.questions)
    bad = post(client, f"/surveys/survey/{copy.id}/questions/new",
               {"text": "您家住几年了？", "kind": "single", "options": "只有一项", "section": "基本情况",
                "section_position": "2", "position": "0", "required": "y", "dimension": ""})
    html = bad.get_data(as_text=True)
    assert "选择题至少需要两个选项" in html and "您家住几年了？" in html
    ok = post(client, f"/surveys/survey/{copy.id}/questions/new",
              {"text": "您家住几年了？", "kind": "single", "options": "1年内\n1年以上", "section": "基本情况",
               "section_position": "2", "position": "0", "required": "y", "dimension": ""})
    assert ok.status_code == 303
    db.session.expire_all()
    assert copy.questions[-1].options == ["1年内", "1年以上"]


def test_a_survey_with_answers_refuses_changes(app, sw):
    copy = services.copy_survey(services.standard_template(), community_id=sw["community"].id, by=sw["secretary"])
    db.session.commit()
    campaign = launch(sw, survey=copy)
    services.submit(campaign, sw["household"], values_for(campaign), channel=Channel.ONLINE)
    db.session.commit()
    client = login_as(app.test_client(), sw["secretary"])
    question = copy.questions[0]
    refused = post(client, f"/surveys/questions/{question.id}",
                   {"text": "改过的题目", "kind": "rating", "section": "", "section_position": "0", "position": "0",
                    "required": "y", "dimension": ""})
    html = refused.get_data(as_text=True)
    assert "这份问卷已有答卷，不能再修改题目" in html and "改过的题目" in html
    db.session.expire_all()
    assert copy.questions[0].text != "改过的题目"
    deleted = post(client, f"/surveys/questions/{question.id}/delete")
    assert "这份问卷已有答卷" in deleted.get_data(as_text=True)
    assert db.session.get(type(question), question.id) is not None
