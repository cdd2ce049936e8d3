"""Acting on results (issue 8 item 7): the "survey" agenda source, without HTTP and over HTTP — a dimension
below target becomes a topic of the compound's next joint meeting, once, with its figures."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.core.errors import RuleError
from portal.core.transaction import commit
from portal.extensions import db
from portal.meetings import services as meetings
from portal.meetings import sources
from portal.meetings.models import Proposal
from portal.surveys import agenda, services
from portal.surveys.models import Channel, Dimension
from tests.conftest import login_as, make_user, post
from tests.meetings.conftest import convene
from tests.surveys.conftest import households, launch, values_for


def _closed(sw, overalls=(5, 5, 5, 5, 5, 4)):
    """Six answers: overall 5,5,5,5,5,4 (100 %), every other dimension one less (83.3 %, below 90 %)."""
    campaign = launch(sw)
    for home, overall in zip(households(sw["compound"]), overalls, strict=True):
        services.submit(campaign, home, values_for(campaign, overall=overall, others=overall - 1), channel=Channel.ONLINE)
    services.close_campaign(campaign, by=sw["secretary"])
    commit()
    return campaign


def _scope(campaign):
    return campaign.scopes[0]


def test_registered_and_described(app, sw):
    campaign = _closed(sw)
    source_id = agenda.pack(_scope(campaign).id, Dimension.ORDER)
    assert agenda.unpack(source_id) == (_scope(campaign).id, "order")
    label, title, url = sources.describe("survey", source_id)
    assert str(label) == "满意度测评" and "秩序与停车" in title and campaign.title in title
    assert url == f"/surveys/campaigns/{campaign.id}/results?compound={sw['compound'].id}"
    assert sources.describe("survey", 999990) is None and agenda.unpack(19) is None


def test_one_click_files_a_topic_with_the_figures_once(app, sw):
    campaign = _closed(sw)
    proposal = agenda.propose(campaign, sw["compound"].id, "order", by=sw["owners_member"])
    commit()
    assert proposal.title == "满意度测评：秩序与停车 满意率 83.3%（目标 90%）"
    assert "有效作答 6 份" in proposal.description and "平均分 3.83" in proposal.description
    assert (proposal.source_kind, proposal.source_id) == ("survey", agenda.pack(_scope(campaign).id, "order"))
    with pytest.raises(RuleError, match="请勿重复提交") as refused:
        agenda.propose(campaign, sw["compound"].id, "order", by=sw["worker"])
    assert refused.value.field == "dimension"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1
    # the convener accepts it onto a meeting: still once only, and the results page lists the meeting
    meeting = convene(sw)
    meetings.accept_proposal(db.session.get(Proposal, proposal.id), meeting, by=sw["secretary"])
    commit()
    with pytest.raises(RuleError, match="请勿重复提交"):
        agenda.propose(campaign, sw["compound"].id, "order", by=sw["secretary"])
    db.session.rollback()
    panel = agenda.panel(sw["secretary"], campaign, sw["compound"].id)
    order = next(r for r in panel["rows"] if r["dimension"] == "order")
    day = meetings.local(meeting.starts_at).strftime("%Y-%m-%d")
    assert order["meetings"] == [(f"已列入会议议程：{meeting.title}（{day}）", f"/meetings/{meeting.id}")]
    # another dimension is still free
    agenda.propose(campaign, sw["compound"].id, "cleaning", by=sw["secretary"])
    commit()


def test_who_may_act_and_what_is_refused(app, sw):
    campaign = _closed(sw)
    compound = sw["compound"].id
    assert compound in agenda.act_compound_ids(sw["secretary"], campaign)
    assert compound in agenda.act_compound_ids(sw["worker"], campaign)
    assert compound in agenda.act_compound_ids(sw["owners_member"], campaign)
    for who in ("resident", "manager", "staff"):
        with pytest.raises(RuleError, match="不能为这个小区"):
            agenda.propose(campaign, compound, "order", by=sw[who])
    with pytest.raises(RuleError, match="没有低于目标"):
        agenda.propose(campaign, compound, "overall", by=sw["secretary"])  # 100 %
    with pytest.raises(RuleError, match="没有低于目标"):
        agenda.propose(campaign, compound, "nonsense", by=sw["secretary"])
    running = launch(sw, title="进行中的测评")
    with pytest.raises(RuleError, match="测评结束后"):
        agenda.propose(running, compound, "order", by=sw["secretary"])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_k5_hidden_results_cannot_be_filed(app, sw):
    campaign = launch(sw)
    for home in households(sw["compound"])[:4]:
        services.submit(campaign, home, values_for(campaign, overall=2, others=2), channel=Channel.ONLINE)
    services.close_campaign(campaign, by=sw["secretary"])
    commit()
    assert agenda.panel(sw["secretary"], campaign, sw["compound"].id) is None
    with pytest.raises(RuleError, match="没有低于目标"):
        agenda.propose(campaign, sw["compound"].id, "order", by=sw["secretary"])


def test_candidates_are_scoped_to_the_meeting_and_skip_filed_ones(app, sw):
    campaign = _closed(sw)
    meeting = convene(sw)
    found = dict(agenda.candidates(meeting))
    scope = _scope(campaign).id
    assert set(found) == {agenda.pack(scope, d) for d in Dimension.ALL if d != "overall"}
    assert found[agenda.pack(scope, "order")].endswith("秩序与停车 满意率 83.3%（目标 90%）")
    Meeting = type(meeting)
    # another compound of the same community, another community: none of this compound's; the whole community: all
    assert agenda.candidates(Meeting(community_id=meeting.community_id, compound_id=sw["other_compound"].id)) == []
    assert agenda.candidates(Meeting(community_id=sw["far_community"].id, compound_id=None)) == []
    assert len(agenda.candidates(Meeting(community_id=meeting.community_id, compound_id=None))) == 7
    agenda.propose(campaign, sw["compound"].id, "order", by=sw["secretary"])
    commit()
    assert agenda.pack(scope, "order") not in dict(agenda.candidates(meeting))
    # picked on the agenda page directly, it is on the agenda (and on the results page)
    item = meetings.add_agenda_item(meeting, by=sw["secretary"], title="保洁", source_kind="survey",
                                    source_id=agenda.pack(scope, "cleaning"))
    commit()
    assert meetings.agenda_entries("survey", item.source_id)[0][0].id == meeting.id


# --- over HTTP ---------------------------------------------------------------------------------------------

def test_the_button_on_the_results_page(app, sw):
    campaign = _closed(sw)
    url = f"/surveys/campaigns/{campaign.id}/results?compound={sw['compound'].id}"
    client = login_as(app.test_client(), sw["owners_member"])
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="agenda-propose-order"' in page and 'data-testid="agenda-propose-overall"' not in page
    done = post(client, f"/surveys/campaigns/{campaign.id}/agenda?compound={sw['compound'].id}", {"dimension": "order"})
    assert done.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "等待召集人列入议程" in page and 'data-testid="agenda-propose-order"' not in page
    again = post(client, f"/surveys/campaigns/{campaign.id}/agenda?compound={sw['compound'].id}", {"dimension": "order"})
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and 'data-field-error="dimension"' in html and "请勿重复提交" in html
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1
    bad = post(client, f"/surveys/campaigns/{campaign.id}/agenda?compound={sw['compound'].id}", {"dimension": "x' or 1"})
    assert bad.status_code == 200 and "没有低于目标" in bad.get_data(as_text=True)


def test_who_gets_the_button_and_out_of_scope_is_404(app, sw):
    campaign = _closed(sw)
    path = f"/surveys/campaigns/{campaign.id}/agenda?compound={sw['compound'].id}"
    manager = login_as(app.test_client(), sw["manager"])  # staff of the compound: sees results, may not act
    assert 'agenda-propose-order' not in manager.get(
        f"/surveys/campaigns/{campaign.id}/results?compound={sw['compound'].id}").get_data(as_text=True)
    assert post(manager, path, {"dimension": "order"}).status_code == 403
    resident = login_as(app.test_client(), sw["resident"])  # sees the published results, may not act
    assert post(resident, path, {"dimension": "order"}).status_code == 403
    far = make_user("远方居民", household=sw["far_compound"].buildings[0].households[0], street=sw["far_street"])
    assert post(login_as(app.test_client(), far), path, {"dimension": "order"}).status_code == 404
    secretary = login_as(app.test_client(), sw["secretary"])
    assert post(secretary, f"/surveys/campaigns/{campaign.id}/agenda?compound={sw['far_compound'].id}",
                {"dimension": "order"}).status_code == 404
    # a campaign over one compound needs no ?compound=
    assert post(secretary, f"/surveys/campaigns/{campaign.id}/agenda", {"dimension": "order"}).status_code == 303
    running = launch(sw, title="进行中")
    refused = post(secretary, f"/surveys/campaigns/{running.id}/agenda", {"dimension": "order"})
    assert refused.status_code == 200 and "测评结束后才能把结果提交" in refused.get_data(as_text=True)
    assert post(secretary, f"/surveys/campaigns/{campaign.id + 99}/agenda?compound={sw['compound'].id}",
                {"dimension": "order"}).status_code == 404


def test_the_results_page_costs_the_same_with_more_dimensions_on_the_agenda(app, sw, count_queries):
    from tests.conftest import queries_for

    campaign = _closed(sw)
    meeting = convene(sw)
    url = f"/surveys/campaigns/{campaign.id}/results?compound={sw['compound'].id}"

    def accept(dimension):
        proposal = agenda.propose(campaign, sw["compound"].id, dimension, by=sw["secretary"])
        meetings.accept_proposal(proposal, meeting, by=sw["secretary"])
        commit()

    accept("order")
    client = login_as(app.test_client(), sw["secretary"])
    few = queries_for(client, url, count_queries)
    for dimension in ("cleaning", "repair", "greening"):
        accept(dimension)
    many = queries_for(client, url, count_queries)
    assert many <= few, (few, many)
    assert client.get(url).get_data(as_text=True).count('data-testid="agenda-entry"') == 4
