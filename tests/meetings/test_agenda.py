"""The agenda: items from a 社事 request (its page says "on the agenda of …"), from a resident's proposal,
free text; the source registry other modules will use."""

import pytest
from sqlalchemy import select

from portal.core.errors import RuleError
from portal.extensions import db
from portal.meetings import services, sources
from portal.meetings.builtin_sources import repair_candidates, repair_links
from portal.meetings.models import ProposalStatus
from portal.repairs import services as repairs
from portal.repairs.models import RequestEvent
from tests.meetings.conftest import convene, inbox


def community_request(w, description="小区停车位划线争议"):
    req = repairs.file_request(by=w["resident"], compound=w["compound"], category="parking", description=description,
                               place="北门停车场")
    db.session.commit()
    assert req.kind == "community"
    return req


def test_a_community_request_goes_on_the_agenda_and_its_page_says_so(mworld):
    meeting = convene(mworld)
    req = community_request(mworld)
    household = repairs.file_request(by=mworld["resident"], compound=mworld["compound"], category="water_power",
                                     description="漏水", household=mworld["household"])
    candidates = dict(repair_candidates(meeting))
    assert req.id in candidates and household.id not in candidates  # only 社事
    item = services.add_agenda_item(meeting, by=mworld["secretary"], title="停车位划线", source_kind="repair",
                                     source_id=req.id)
    assert sources.describe(item.source_kind, item.source_id)[2] == f"/repairs/{req.id}"
    actions = db.session.scalars(select(RequestEvent.action).where(RequestEvent.request_id == req.id)).all()
    assert actions[-1] == "agenda"
    [(text, url)] = repair_links(mworld["resident"], req)
    assert "第一次联席会议" in text and url is None  # the resident is not invited: no link to the meeting
    [(text, url)] = repair_links(mworld["secretary"], req)
    assert url == f"/meetings/{meeting.id}"
    with pytest.raises(RuleError):  # twice on one agenda
        services.add_agenda_item(meeting, by=mworld["secretary"], title="again", source_kind="repair", source_id=req.id)


def test_items_are_ordered_and_checked(mworld):
    meeting = convene(mworld)
    first = services.add_agenda_item(meeting, by=mworld["secretary"], title="一", expected_minutes=10)
    second = services.add_agenda_item(meeting, by=mworld["secretary"], title="二")
    db.session.refresh(meeting)
    services.move_item(meeting, second, by=mworld["secretary"], up=True)
    db.session.flush()
    db.session.expire(meeting)
    assert [i.title for i in meeting.items] == ["二", "一"]
    assert first.expected_minutes == 10
    for bad, field in (({"title": ""}, "title"), ({"expected_minutes": "abc"}, "expected_minutes"),
                       ({"source_kind": "nope", "source_id": 1}, "source")):
        with pytest.raises(RuleError) as refused:
            services.add_agenda_item(meeting, by=mworld["secretary"], **{"title": "x", **bad})
        assert refused.value.field == field
    with pytest.raises(RuleError):
        services.add_agenda_item(meeting, by=mworld["owners_member"], title="不是召集人")


def test_a_residents_proposal_is_accepted_or_declined(mworld):
    meeting = convene(mworld)
    resident = mworld["resident"]
    with pytest.raises(RuleError) as refused:  # another compound
        services.propose_topic(mworld["other_compound"], by=resident, title="别的小区")
    assert refused.value.field == "compound_id"
    proposal = services.propose_topic(mworld["compound"], by=resident, title="增设快递柜")
    assert any("增设快递柜" in text for text in inbox(mworld["secretary"]))
    assert any("增设快递柜" in text for text in inbox(mworld["branch"]))
    item = services.accept_proposal(proposal, meeting, by=mworld["secretary"])
    assert (item.source_kind, item.source_id, item.proposer_id) == ("proposal", proposal.id, resident.id)
    assert proposal.status == ProposalStatus.ACCEPTED
    other = services.propose_topic(mworld["compound"], by=resident, title="广场舞噪音")
    with pytest.raises(RuleError) as refused:
        services.decline_proposal(other, by=mworld["secretary"], reason="")
    assert refused.value.field == "reason"
    services.decline_proposal(other, by=mworld["secretary"], reason="已转物业按个事办理")
    assert any("已转物业按个事办理" in text for text in inbox(resident))
    with pytest.raises(RuleError):
        services.decline_proposal(other, by=mworld["secretary"], reason="again")


def test_another_module_registers_a_source_and_proposes_through_it(mworld):
    """How surveys or projects will plug in: register a kind, propose a topic carrying it; the convener's
    acceptance keeps the source on the agenda item, and a done resolution calls back."""
    calls = []
    sources.register_agenda_source("testsource", label="测试来源", describe=lambda i: (f"记录{i}", f"/x/{i}"),
                                   on_resolution_done=lambda i, r, by, resolve=False: calls.append((i, r.id, resolve)))
    meeting = convene(mworld)
    proposal = services.propose_topic(mworld["compound"], by=mworld["worker"], title="测评结果讨论",
                                      source_kind="testsource", source_id=7, check_resident=False)
    item = services.accept_proposal(proposal, meeting, by=mworld["secretary"])
    assert (item.source_kind, item.source_id) == ("testsource", 7)
    assert services.agenda_entries("testsource", 7) == [(meeting, item)]
    from portal.meetings import resolutions
    from tests.meetings.conftest import start_now

    start_now(meeting)
    resolution = resolutions.add_resolution(meeting, by=mworld["secretary"], what="整改", item_id=item.id,
                                            responsible_key=f"{mworld['company'].id}-{mworld['manager'].id}",
                                            deadline=meeting.starts_at.date() + __import__("datetime").timedelta(days=5))
    resolutions.complete(resolution, by=mworld["manager"], evidence="已整改")
    assert calls == [(7, resolution.id, False)]
