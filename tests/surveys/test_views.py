"""Over HTTP: a printed sheet's QR opens a working form without an account, a code answers once, the
paper form, guessing is limited, the results page and its spreadsheet agree, bad input keeps what was typed."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db
from portal.surveys import qr, services
from portal.surveys.models import Channel, Participation
from tests.conftest import login_as, post
from tests.surveys.conftest import households, launch, values_for


def _form_data(campaign, overall=5):
    return {f"q{qid}": v if not isinstance(v, list) else [str(i) for i in v]
            for qid, v in values_for(campaign, overall=overall).items()}


def _sheet(client, campaign, building):
    response = post(client, f"/surveys/campaigns/{campaign.id}/codes/sheet", {"building_id": building.id})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_qr_on_a_printed_sheet_decodes_to_a_url_that_works(app, sw):
    campaign = launch(sw)
    worker = login_as(app.test_client(), sw["worker"])
    html = _sheet(worker, campaign, sw["compound"].buildings[0])
    urls = re.findall(r'data-url="([^"]+)"', html)
    codes = re.findall(r'data-testid="code">([A-Z0-9-]+)<', html)
    assert len(urls) == 3 and len(codes) == 3 and "<svg" in html
    decoded = zxingcpp.read_barcodes(Image.open(BytesIO(qr.qr_png(urls[0].replace("&amp;", "&")))))
    assert decoded and decoded[0].text == urls[0].replace("&amp;", "&")
    path = decoded[0].text.split("localhost", 1)[1]
    assert codes[0].replace("-", "") in path
    phone = app.test_client()  # no account
    page = phone.get(path)
    assert page.status_code == 200 and 'id="answer-form"' in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    data = {"csrf_token": token, "code": codes[0], **_form_data(campaign)}
    done = phone.post("/surveys/code", data=data)
    assert done.status_code == 200 and 'data-testid="thanks"' in done.get_data(as_text=True)
    again = phone.post("/surveys/code", data=data)
    assert "入户码不正确、已使用或已作废" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 1


def test_an_svg_qr_on_the_page_is_the_same_code(app, sw):
    url = "http://localhost/surveys/code?code=ABCDE23456"
    assert "<svg" in qr.qr_svg(url)
    assert zxingcpp.read_barcodes(Image.open(BytesIO(qr.qr_png(url))))[0].text == url


def test_code_guessing_is_rate_limited(app, sw, monkeypatch):
    monkeypatch.setitem(app.config, "SURVEY_CODE_RATE_LIMIT", "3 per minute")
    client = app.test_client()
    statuses = [client.get("/surveys/code?code=AAAAA-BBBBB").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]


def test_a_resident_answers_once_and_bad_input_keeps_what_was_typed(app, sw):
    campaign = launch(sw)
    resident = login_as(app.test_client(), sw["resident"])
    path = f"/surveys/campaigns/{campaign.id}/answer"
    data = _form_data(campaign)
    first_q = campaign.survey.questions[0].id
    bad = post(resident, path, {**data, f"q{first_q}": "9", f"q{campaign.survey.questions[-1].id}": "我的意见"})
    html = bad.get_data(as_text=True)
    assert "评分只能是 1 到 5 分。" in html and "我的意见" in html
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 0
    ok = post(resident, path, data)
    assert ok.status_code == 303
    assert "您家已经提交过本次测评" in resident.get(path).get_data(as_text=True)


def test_paper_form_keyed_by_a_worker_with_the_household_code(app, sw):
    campaign = launch(sw)
    home = households(sw["compound"])[2]
    code = services.issue_code(campaign, home, by=sw["worker"])
    db.session.commit()
    worker = login_as(app.test_client(), sw["worker"])
    path = f"/surveys/campaigns/{campaign.id}/paper"
    response = post(worker, path, {"code": services.show_code(code), **_form_data(campaign)})
    assert response.status_code == 303
    p = db.session.scalar(select(Participation))
    assert (p.channel, p.keyed_by_id, p.household_id) == (Channel.PAPER, sw["worker"].id, home.id)
    again = post(worker, path, {"code": code, **_form_data(campaign)})
    assert "入户码不正确" in again.get_data(as_text=True)


def _answer(campaign, homes, overalls):
    for home, overall in zip(homes, overalls, strict=True):
        services.submit(campaign, home, values_for(campaign, overall=overall, text="很好"), channel=Channel.ONLINE)
    db.session.commit()


def test_results_page_and_spreadsheet_agree(app, sw):
    campaign = launch(sw)
    _answer(campaign, households(sw["compound"]), [5, 5, 4, 3, 2, 4])
    secretary = login_as(app.test_client(), sw["secretary"])
    html = secretary.get(f"/surveys/campaigns/{campaign.id}/results").get_data(as_text=True)
    rate = re.search(r'data-testid="response-rate">.*?<strong>([\d.]+)%', html, re.S).group(1)
    satisfaction = re.search(r'data-testid="satisfaction">.*?<strong>([\d.]+)', html, re.S).group(1)
    assert (rate, satisfaction) == ("100.0", "66.7")
    assert 'data-chart="dimensions"' in html and "<svg" in html and "target-line" in html
    overall = campaign.survey.questions[7]
    mean = re.search(rf'data-testid="mean-{overall.id}">([\d.]+)<', html).group(1)
    response = secretary.get(f"/surveys/campaigns/{campaign.id}/export.xlsx")
    book = load_workbook(BytesIO(response.data))
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True) if row and row[0]}
    assert float(summary["参与率(%)"]) == float(rate) and float(summary["满意率(%)"]) == float(satisfaction)
    assert str(summary[overall.text]) == "总体满意度" and mean == "3.83"
    rows = [r for r in book.worksheets[0].iter_rows(values_only=True) if r and r[0] == overall.text]
    assert float(rows[0][3]) == float(mean)
    answers = list(book.worksheets[1].iter_rows(values_only=True))
    assert len(answers) == 1 + 6 and all(len(r) == 1 + len(campaign.survey.questions) for r in answers)


def test_k5_in_page_and_export(app, sw):
    campaign = launch(sw)
    _answer(campaign, households(sw["compound"])[:4], [5, 5, 5, 5])
    secretary = login_as(app.test_client(), sw["secretary"])
    html = secretary.get(f"/surveys/campaigns/{campaign.id}/results").get_data(as_text=True)
    assert 'data-testid="hidden"' in html and "很好" not in html
    book = load_workbook(BytesIO(secretary.get(f"/surveys/campaigns/{campaign.id}/export.xlsx").data))
    assert len(list(book.worksheets[1].iter_rows(values_only=True))) == 1  # the header only
    values = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    assert "很好" not in values and 5 not in values[7:]


def test_residents_see_their_compounds_results_only_after_close(app, sw):
    campaign = launch(sw)
    _answer(campaign, households(sw["compound"])[:5], [5, 5, 4, 4, 2])
    resident = login_as(app.test_client(), sw["resident"])
    assert resident.get(f"/surveys/campaigns/{campaign.id}/results").status_code == 403
    services.close_campaign(campaign, by=sw["secretary"])
    db.session.commit()
    page = resident.get(f"/surveys/campaigns/{campaign.id}/results")
    assert page.status_code == 200 and "80.0" in page.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/surveys/", "/surveys/?state=open", "/surveys/code"])
def test_lists_open(app, sw, path):
    launch(sw)
    client = login_as(app.test_client(), sw["secretary"])
    assert client.get(path).status_code == 200


def test_launch_over_http_and_closes_before_it_opens_refused(app, sw):
    client = login_as(app.test_client(), sw["secretary"])
    template = services.standard_template()
    db.session.commit()
    data = {"title": "测评", "survey_id": template.id, "compound_ids": [sw["compound"].id],
            "opens_at": "2030-01-10T09:00", "closes_at": "2030-01-01T09:00"}
    refused = post(client, "/surveys/campaigns/new", data)
    assert "结束时间必须晚于开始时间。" in refused.get_data(as_text=True)
    ok = post(client, "/surveys/campaigns/new", {**data, "closes_at": "2030-02-01T09:00"})
    assert ok.status_code == 303


def test_a_reissued_code_replaces_the_printed_one(app, sw):
    campaign = launch(sw)
    worker = login_as(app.test_client(), sw["worker"])
    building = sw["compound"].buildings[0]
    printed = re.findall(r'data-testid="code">([A-Z0-9-]+)<', _sheet(worker, campaign, building))[0]
    home = sorted(building.households, key=lambda h: (h.unit, h.room))[0]
    response = post(worker, f"/surveys/campaigns/{campaign.id}/codes/reissue", {"household_id": home.id})
    [fresh] = re.findall(r'data-testid="code">([A-Z0-9-]+)<', response.get_data(as_text=True))
    assert fresh != printed
    with pytest.raises(services.RuleError):
        services.find_code(printed)
    assert services.find_code(fresh).household_id == home.id
    missing = post(worker, f"/surveys/campaigns/{campaign.id}/codes/reissue", {})
    assert "请选择要补发入户码的住户。" in missing.get_data(as_text=True)
