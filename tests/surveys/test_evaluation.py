"""Dual evaluation, home-page to-dos and query counts."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.surveys import services
from portal.surveys.models import Channel
from portal.surveys.todos import todos
from tests.conftest import login_as, queries_for
from tests.surveys.conftest import households, launch, values_for


def _answer(campaign, homes, overalls):
    for home, overall in zip(homes, overalls, strict=True):
        services.submit(campaign, home, values_for(campaign, overall=overall), channel=Channel.ONLINE)
    db.session.commit()


def test_company_and_community_pages_mark_below_90_red(app, sw):
    campaign = launch(sw)
    _answer(campaign, households(sw["compound"]), [5, 5, 4, 3, 2, 4])
    services.close_campaign(campaign, by=sw["secretary"])
    db.session.commit()
    manager = login_as(app.test_client(), sw["manager"])
    html = manager.get(f"/surveys/companies/{sw['company'].id}").get_data(as_text=True)
    assert "66.7" in html and 'class="below-target"' in html
    secretary = login_as(app.test_client(), sw["secretary"])
    html = secretary.get(f"/surveys/communities/{sw['community'].id}").get_data(as_text=True)
    assert "阳光花园" in html and "66.7" in html and 'class="below-target"' in html
    index = secretary.get("/surveys/").get_data(as_text=True)
    assert f"/surveys/communities/{sw['community'].id}" in index and f"/surveys/companies/{sw['company'].id}" in index


def test_todos_for_resident_staff_and_results_below_target(app, sw):
    campaign = launch(sw)
    with app.test_request_context():
        labels = [str(t.label) for t in todos(sw["resident"])]
        assert labels == ["满意度测评待您填写"]
        running = todos(sw["secretary"])
        assert [t.count for t in running] == [1] and "参与率 0%" in str(running[0].label)
    _answer(campaign, households(sw["compound"]), [5, 5, 4, 3, 2, 4])
    services.close_campaign(campaign, by=sw["secretary"])
    db.session.commit()
    with app.test_request_context():
        assert todos(sw["resident"]) == []
        [low] = todos(sw["worker"])
        assert low.urgent and low.count == 1 and low.url.endswith(f"/surveys/campaigns/{campaign.id}/results")


def test_home_page_shows_the_survey_todo(app, sw):
    launch(sw)
    html = login_as(app.test_client(), sw["resident"]).get("/").get_data(as_text=True)
    assert "满意度测评待您填写" in html


def test_list_and_results_query_counts_do_not_grow(app, sw, count_queries):
    client = login_as(app.test_client(), sw["secretary"])
    campaign = launch(sw)
    one = queries_for(client, "/surveys/", count_queries)
    results_one = queries_for(client, f"/surveys/campaigns/{campaign.id}/results", count_queries)
    for n in range(5):
        launch(sw, compounds=[sw["compound"], sw["other_compound"]], title=f"测评{n}")
    _answer(campaign, households(sw["compound"]), [5, 5, 4, 3, 2, 4])
    assert queries_for(client, "/surveys/", count_queries) == one
    assert queries_for(client, f"/surveys/campaigns/{campaign.id}/results", count_queries) <= results_one + 6


def test_live_rate_block_for_htmx(app, sw):
    campaign = launch(sw)
    client = login_as(app.test_client(), sw["secretary"])
    block = client.get(f"/surveys/campaigns/{campaign.id}", headers={"HX-Request": "true", "X-Block": "rate"})
    html = block.get_data(as_text=True)
    assert block.status_code == 200 and html.lstrip().startswith('<section id="rate"') and 'hx-trigger="every 15s"' in html
    assert re.search(r"0\.0%", html)
    bad = client.get(f"/surveys/campaigns/{campaign.id}", headers={"HX-Request": "true", "X-Block": "content"})
    assert bad.status_code == 400


def test_campaign_page_query_count_does_not_grow_with_compounds(app, sw, count_queries):
    from tests.conftest import make_compound, make_contract, make_org

    client = login_as(app.test_client(), sw["secretary"])
    small = launch(sw)
    more = [make_compound(sw["community"]) for _ in range(3)]
    for compound in more:
        from portal.orgs.models import OrgKind

        make_contract(compound, make_org(OrgKind.PROPERTY_COMPANY, street=sw["street"]))
    db.session.commit()
    big = launch(sw, compounds=[sw["compound"], *more])
    for campaign in (small, big):
        for page in ("", "/results"):
            queries_for(client, f"/surveys/campaigns/{campaign.id}{page}", count_queries)
    assert queries_for(client, f"/surveys/campaigns/{big.id}", count_queries) == \
        queries_for(client, f"/surveys/campaigns/{small.id}", count_queries)


def test_an_owners_committee_member_compares_only_their_own_compound(app, sw):
    campaign = launch(sw, compounds=[sw["compound"], sw["other_compound"]])
    _answer(campaign, households(sw["compound"]), [5, 5, 4, 3, 2, 4])
    member = login_as(app.test_client(), sw["owners_member"])
    html = member.get(f"/surveys/campaigns/{campaign.id}/results").get_data(as_text=True)
    assert "阳光花园" in html and "锦绣家园" not in html
    assert 'name="compound"' not in html  # one compound: nothing to choose
    secretary = login_as(app.test_client(), sw["secretary"])
    assert "锦绣家园" in secretary.get(f"/surveys/campaigns/{campaign.id}/results").get_data(as_text=True)
    other = sw["other_compound"].id
    assert member.get(f"/surveys/campaigns/{campaign.id}/results?compound={other}").status_code == 404


def test_the_results_live_block_renders_alone_with_its_charts(app, sw):
    """The compound selector and the 20-second refresh ask for the `live` block only: it must carry its
    own chart macros (it answered 500 when only the page's top imported them)."""
    campaign = launch(sw)
    client = login_as(app.test_client(), sw["secretary"])
    block = client.get(f"/surveys/campaigns/{campaign.id}/results", headers={"HX-Request": "true", "X-Block": "live"})
    assert block.status_code == 200 and block.get_data(as_text=True).lstrip().startswith('<section id="live"')


def test_the_home_to_do_counts_below_90_as_the_results_rows_round(app, sw):
    """90.0% (9 of 10) is on target, 88.9% (8 of 9) below it, 4 answers are hidden (k = 5): the to-do's
    count in SQL equals the rows the results pages mark, and links to the first of them."""
    from portal.surveys.models import TARGET, CampaignCompound
    from portal.surveys.results import below_target_rows, satisfaction_rows
    from tests.conftest import make_compound

    on_target, below, hidden = (make_compound(sw["community"], name, buildings=2, households=5)
                                for name in ("整十花园", "差一点小区", "四户小区"))
    db.session.commit()
    campaign = launch(sw, [on_target, below, hidden])
    _answer(campaign, households(on_target), [5] * 9 + [2])
    _answer(campaign, households(below)[:9], [4] * 8 + [1])
    _answer(campaign, households(hidden)[:4], [1] * 4)
    services.close_campaign(campaign, by=sw["secretary"])
    db.session.commit()
    rows = satisfaction_rows(CampaignCompound.campaign_id == campaign.id)
    assert {r.compound_id: r.satisfaction for r in rows} == {on_target.id: 90.0, below.id: 88.9, hidden.id: None}
    marked = [r.campaign_id for r in rows if r.satisfaction is not None and r.satisfaction < TARGET]
    assert list(db.session.scalars(below_target_rows(CampaignCompound.campaign_id == campaign.id))) == marked
    with app.test_request_context():
        [low] = [t for t in todos(sw["worker"]) if t.urgent]
        assert low.count == 1 and low.url.endswith(f"/surveys/campaigns/{campaign.id}/results")
