"""The survey workflow without HTTP: template, copies and locks, launch, codes, one answer per household,
results on hand-computed data, the k = 5 threshold and closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core.clock import TZ, aware, now_utc
from portal.core.errors import RuleError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.surveys import services
from portal.surveys.models import Answer, Channel, HouseholdCode, Participation, QuestionKind, Survey
from portal.surveys.results import below_target, campaign_results, trend
from tests.conftest import make_user
from tests.surveys.conftest import households, launch, values_for


def test_standard_template_is_created_once_with_every_dimension(app):
    first = services.standard_template()
    db.session.commit()
    assert services.standard_template().id == first.id
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 1
    dims = [q.dimension for q in first.questions if q.dimension]
    assert dims == ["security", "cleaning", "repair", "order", "greening", "attitude", "fees", "overall"]
    assert "治安防控" in first.questions[0].text


def test_a_copy_is_editable_until_it_has_answers(app, sw):
    copy = services.copy_survey(services.standard_template(), community_id=sw["community"].id, by=sw["secretary"])
    services.save_question(copy, None, kind=QuestionKind.SINGLE, text="您家住了几年？", section="基本情况",
                           section_position=2, position=0, required=True, dimension=None, options=["1年内", "1年以上"])
    db.session.commit()
    campaign = launch(sw, survey=copy)
    services.submit(campaign, households(sw["compound"])[0], values_for(campaign) | {
        copy.questions[-1].id: [1]}, channel=Channel.ONLINE)
    db.session.commit()
    with pytest.raises(RuleError, match="复制"):
        services.save_question(copy, copy.questions[0], kind="rating", text="改了", section="", section_position=0,
                               position=0, required=True, dimension=None, options=[])
    with pytest.raises(RuleError, match="标准模板"):
        services.delete_question(services.standard_template(), services.standard_template().questions[0])


@pytest.mark.parametrize("kind,options,dimension,field", [
    ("single", ["只有一个"], None, "options"), ("multiple", ["a", "a"], None, "options"),
    ("short_text", [], "security", "dimension"), ("bogus", [], None, "kind")])
def test_bad_questions_are_refused(app, sw, kind, options, dimension, field):
    copy = services.copy_survey(services.standard_template(), community_id=sw["community"].id, by=sw["secretary"])
    with pytest.raises(RuleError) as refused:
        services.save_question(copy, None, kind=kind, text="题", section="", section_position=0, position=0,
                               required=True, dimension=dimension, options=options)
    assert refused.value.field == field


def test_launch_notifies_residents_and_takes_the_company_from_the_contract(app, sw):
    campaign = launch(sw)
    [scope] = campaign.scopes
    assert scope.company_id == sw["company"].id and scope.households == 6
    notes = db.session.scalars(select(Notification).where(Notification.user_id == sw["resident"].id)).all()
    assert [n.key for n in notes] == ["surveys.launched"]


def test_launch_refusals(app, sw):
    now = now_utc()
    with pytest.raises(RuleError) as refused:
        launch(sw, opens_at=now, closes_at=now - timedelta(days=1))
    assert refused.value.field == "closes_at"
    with pytest.raises(RuleError) as refused:
        launch(sw, compounds=[sw["far_compound"]])
    assert refused.value.field == "compound_ids"
    with pytest.raises(RuleError):  # an owners' committee member only for their own compound
        launch(sw, compounds=[sw["other_compound"]], by=sw["owners_member"])
    assert launch(sw, by=sw["owners_member"]).scopes[0].compound_id == sw["compound"].id


def test_one_answer_per_household_across_channels(app, sw):
    campaign = launch(sw)
    home = sw["household"]
    code = services.issue_code(campaign, home, by=sw["worker"])
    db.session.commit()
    services.submit(campaign, home, values_for(campaign), channel=Channel.ONLINE)
    db.session.commit()
    with pytest.raises(RuleError, match="只能提交一份"):
        services.submit(campaign, home, values_for(campaign), channel=Channel.PAPER, keyed_by=sw["worker"])
    db.session.rollback()
    with pytest.raises(RuleError):  # answering online killed the household's live code
        services.find_code(code)
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_a_code_works_once_and_a_reissue_kills_the_old_one(app, sw):
    campaign = launch(sw)
    home = households(sw["compound"])[1]
    old = services.issue_code(campaign, home, by=sw["worker"])
    new = services.issue_code(campaign, home, by=sw["worker"])
    db.session.commit()
    with pytest.raises(RuleError):
        services.find_code(old)
    row = services.find_code(new.lower())  # typed in lower case: still found
    services.submit(campaign, home, values_for(campaign), channel=Channel.CODE, code=row)
    db.session.commit()
    with pytest.raises(RuleError):
        services.find_code(new)
    with pytest.raises(RuleError):
        services.find_code("ZZZZZ-ZZZZZ")


def test_bad_answers_are_refused_beside_their_question(app, sw):
    campaign = launch(sw)
    qs = campaign.survey.questions
    from werkzeug.datastructures import MultiDict

    values, errors = services.parse_answers(qs, MultiDict({f"q{qs[0].id}": "6", f"q{qs[8].id}": "99"}))
    assert errors[qs[0].id] == "评分只能是 1 到 5 分。"
    assert errors[qs[1].id] == "此题必答。"
    assert errors[qs[8].id] == "所选项不在本题的选项中。"
    with pytest.raises(RuleError) as refused:
        services.submit(campaign, sw["household"], {}, channel=Channel.ONLINE)
    assert refused.value.field == f"q{qs[0].id}"
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 0


def test_paper_needs_a_community_worker_and_records_who_and_which_day(app, sw):
    campaign = launch(sw)
    with pytest.raises(RuleError):
        services.submit(campaign, sw["household"], values_for(campaign), channel=Channel.PAPER, keyed_by=sw["resident"])
    services.submit(campaign, sw["household"], values_for(campaign), channel=Channel.PAPER, keyed_by=sw["worker"])
    db.session.commit()
    p = db.session.scalar(select(Participation))
    assert (p.channel, p.keyed_by_id, p.keyed_on is not None) == ("paper", sw["worker"].id, True)


def _answer_many(campaign, homes, overalls, text=None):
    for home, overall in zip(homes, overalls, strict=True):
        services.submit(campaign, home, values_for(campaign, overall=overall, others=overall - 1 if overall > 1 else 1,
                                                   text=text), channel=Channel.ONLINE)
    db.session.commit()


def test_satisfaction_and_means_on_hand_computed_data(app, sw):
    campaign = launch(sw)
    # overall 5,5,4,3,2,4: 4 of 6 are 4 or 5 → 66.7%; the other dimensions are overall − 1: mean (4+4+3+2+1+3)/6 = 2.83
    _answer_many(campaign, households(sw["compound"]), [5, 5, 4, 3, 2, 4], text="很好")
    result = campaign_results(campaign)
    assert (result.participants, result.households, result.response_rate) == (6, 6, 100.0)
    assert (result.valid, result.satisfied, result.satisfaction) == (6, 4, 66.7)
    overall = next(q for q in result.questions if q.question.dimension == "overall")
    security = next(q for q in result.questions if q.question.dimension == "security")
    assert overall.mean == 3.83 and security.mean == 2.83
    assert overall.counts == {1: 0, 2: 1, 3: 1, 4: 2, 5: 2}
    assert next(q for q in result.questions if q.question.kind == "long_text").texts == ["很好"] * 6
    assert result.below_target
    rows = below_target(campaign, sw["compound"].id)
    assert [r["dimension"] for r in rows] == [d for d in
                                             ("security", "cleaning", "repair", "order", "greening", "attitude", "fees", "overall")]
    assert rows[-1]["satisfaction"] == 66.7 and rows[0]["satisfaction"] == 33.3


def test_k5_hides_small_breakdowns_and_free_text(app, sw):
    campaign = launch(sw)
    homes = households(sw["compound"])
    _answer_many(campaign, homes[:4], [5, 5, 5, 5])
    result = campaign_results(campaign)
    assert result.hidden and result.satisfaction is None and result.questions == []
    assert result.participants == 4  # the response rate is not an answer breakdown
    services.submit(campaign, homes[4], values_for(campaign, text="电梯太旧"), channel=Channel.ONLINE)
    db.session.commit()
    result = campaign_results(campaign)
    assert not result.hidden and result.satisfaction == 100.0
    text_q = next(q for q in result.questions if q.question.kind == "long_text")
    assert text_q.hidden and text_q.texts == []  # one text among five answers: hidden


def test_closing_makes_results_final_and_refuses_answers(app, sw):
    campaign = launch(sw)
    _answer_many(campaign, households(sw["compound"])[:5], [5, 4, 4, 5, 2])
    services.close_campaign(campaign, by=sw["secretary"])
    db.session.commit()
    assert campaign.state() == "closed"
    with pytest.raises(RuleError, match="开放时间"):
        services.submit(campaign, households(sw["compound"])[5], values_for(campaign), channel=Channel.ONLINE)
    with pytest.raises(RuleError, match="已经结束"):
        services.close_campaign(campaign, by=sw["secretary"])
    month = aware(campaign.opens_at).astimezone(TZ).strftime("%Y-%m")
    assert trend(sw["compound"].id) == [(campaign.title, month, 5, 80.0)]
    with pytest.raises(RuleError):
        services.close_campaign(launch(sw), by=sw["worker"])


def test_a_code_for_a_closed_campaign_is_refused(app, sw):
    campaign = launch(sw)
    code = services.issue_code(campaign, sw["household"], by=sw["worker"])
    services.close_campaign(campaign, by=sw["secretary"])
    db.session.commit()
    with pytest.raises(RuleError, match="开放时间"):
        services.find_code(code)
    assert db.session.scalar(select(func.count()).select_from(HouseholdCode)) == 1


def test_sheet_issues_codes_for_households_that_have_not_answered(app, sw):
    campaign = launch(sw)
    building = sw["compound"].buildings[0]
    services.submit(campaign, building.households[0], values_for(campaign), channel=Channel.ONLINE)
    slips = services.issue_sheet(campaign, building, by=sw["worker"])
    assert len(slips) == len(building.households) - 1
    assert len({code for _h, code in slips}) == len(slips)
    assert make_user  # fixture factories stay importable for other tests


def test_residents_are_told_once_when_results_are_published(app, sw):
    campaign = launch(sw)
    ended = launch(sw, title="已到期的测评")
    ended.closes_at = now_utc() - timedelta(minutes=1)
    ended.opens_at = now_utc() - timedelta(days=1)
    db.session.commit()
    assert services.announce_results() == 1  # the one that ended by its time
    services.close_campaign(campaign, by=sw["secretary"])  # closing by hand announces at once
    db.session.commit()
    assert services.announce_results() == 0
    keys = db.session.scalars(select(Notification.key).where(Notification.user_id == sw["resident"].id)
                              .order_by(Notification.id)).all()
    assert keys.count("surveys.published") == 2
