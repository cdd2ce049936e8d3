"""The demo surveys tell the stories the issue asks for."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.core.clock import now_utc
from portal.demo import load_demo
from portal.extensions import db
from portal.orgs.models import Compound, Organisation
from portal.surveys.models import Campaign, CampaignCompound, Participation
from portal.surveys.results import pooled, satisfaction_rows


def test_demo_campaigns(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    load_demo(date.today())
    now = now_utc()
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.opens_at)).all()
    assert sum(c.is_open(now) for c in campaigns) == 1
    closed = [c for c in campaigns if c.is_closed(now)]
    assert len(closed) == 8  # four quarters in each of two communities
    channels = dict(db.session.execute(select(Participation.channel, func.count()).group_by(Participation.channel)).all())
    assert set(channels) == {"online", "code", "paper"}
    per_campaign = dict(db.session.execute(select(Participation.campaign_id, func.count())
                                           .group_by(Participation.campaign_id)).all())
    assert all(per_campaign[c.id] >= 100 for c in closed)
    rows = satisfaction_rows(Campaign.is_closed(now))
    names = dict(db.session.execute(select(Compound.id, Compound.name)).all())
    latest = {names[r.compound_id]: r for r in rows}
    assert latest["阳光花园"].satisfaction < 90
    assert latest["和平里小区"].hidden
    anju = db.session.scalar(select(Organisation.id).where(Organisation.name == "安居物业服务有限公司"))
    by_campaign: dict[int, list] = {}
    for r in satisfaction_rows(Campaign.is_closed(now), CampaignCompound.company_id == anju):
        by_campaign.setdefault(r.campaign_id, []).append(r)
    quarters = {}
    for campaign in closed:
        if campaign.id in by_campaign:
            quarters.setdefault(campaign.opens_at.date(), []).extend(by_campaign[campaign.id])
    trend = [pooled(group)[1] for _day, group in sorted(quarters.items())]
    assert len(trend) == 4 and trend[-1] > trend[0], trend
