"""Who may edit surveys, launch campaigns, print codes, key paper forms and see results.

Launchers are a community's party secretary (any compound of the community) and an owners' committee
member (their own compound). Community workers print household codes and key in paper forms. Staff
of a compound in a campaign's scope see its live response rate and results; residents see their
compound's results once the campaign has closed. Out of scope is 404.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from portal.core.permissions import rule
from portal.extensions import db
from portal.orgs.models import Compound, Organisation, OrgKind, Role
from portal.orgs.permissions import STAFF_ROLES, scope_of
from portal.surveys.models import Campaign, CampaignCompound, Survey

LAUNCH_ROLES = frozenset({Role.PARTY_SECRETARY, Role.OWNERS_COMMITTEE})
#: print household codes, key paper forms
WORKER_ROLES = frozenset({Role.COMMUNITY_WORKER})


def launch_compound_ids(user) -> set[int]:
    """Compounds this user may put in a campaign's scope."""
    return scope_of(user).compounds_with(LAUNCH_ROLES)


def editable_community_ids(user) -> set[int]:
    """Communities whose surveys this user may copy and edit: those of the compounds they launch for."""
    ids = launch_compound_ids(user)
    if not ids:
        return set()
    return set(db.session.scalars(select(Compound.community_id).where(Compound.id.in_(ids))))


def campaign_compound_ids(campaign: Campaign) -> set[int]:
    return {scope.compound_id for scope in campaign.scopes}


def staff_compound_ids(user, campaign: Campaign) -> set[int]:
    """Compounds of the campaign where the user is staff (sees the live rate and the results)."""
    return campaign_compound_ids(campaign) & scope_of(user).compounds_with(STAFF_ROLES)


def home_compound_ids(user, campaign: Campaign) -> set[int]:
    return campaign_compound_ids(campaign) & scope_of(user).compounds_with({Role.RESIDENT})


def result_compound_ids(user, campaign: Campaign, now=None) -> set[int]:
    """Compounds whose results the user may see: staff always, residents their own once it closed."""
    ids = staff_compound_ids(user, campaign)
    if campaign.is_closed(now):
        ids |= home_compound_ids(user, campaign)
    return ids


def may_launch_in(user, campaign: Campaign) -> bool:
    return bool(campaign_compound_ids(campaign) & launch_compound_ids(user))


def may_key_paper(user, campaign: Campaign) -> bool:
    return bool(campaign_compound_ids(campaign) & scope_of(user).compounds_with(WORKER_ROLES))


def may_print_codes(user, campaign: Campaign) -> bool:
    return may_key_paper(user, campaign) or may_launch_in(user, campaign)


@rule("surveys.index")
def _sees_surveys(user, obj=None) -> bool:
    scope = scope_of(user)
    return bool(scope.roles & (STAFF_ROLES | {Role.RESIDENT}))


@rule("surveys.launch")
def _may_launch(user, obj=None) -> bool:
    if isinstance(obj, Campaign):
        return may_launch_in(user, obj)
    return bool(launch_compound_ids(user))


@rule("surveys.edit")
def _may_edit(user, survey=None) -> bool:
    """Copy and edit surveys of one's community; the built-in template is never edited."""
    if survey is None:
        return bool(editable_community_ids(user))
    return survey.community_id is not None and survey.community_id in editable_community_ids(user)


@rule("surveys.codes")
def _may_print(user, campaign=None) -> bool:
    return campaign is not None and may_print_codes(user, campaign)


@rule("surveys.paper")
def _may_paper(user, campaign=None) -> bool:
    return campaign is not None and may_key_paper(user, campaign)


@rule("surveys.results")
def _may_see_results(user, campaign=None) -> bool:
    return campaign is not None and bool(result_compound_ids(user, campaign))


@rule("surveys.evaluation")
def _sees_evaluation(user, obj=None) -> bool:
    """The dual-evaluation pages: a company's staff, and staff of the compounds it serves; a community's staff."""
    scope = scope_of(user)
    return bool(scope.roles & STAFF_ROLES or scope.company_ids)


# --- loading inside the scope -----------------------------------------------------------------------

def visible_surveys(user):
    """The built-in template and the surveys of communities the user may edit."""
    return or_(Survey.community_id.is_(None), Survey.community_id.in_(editable_community_ids(user)))


def get_survey_or_404(user, survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None or not (survey.community_id is None or survey.community_id in editable_community_ids(user)):
        abort(404)
    return survey


def campaign_visibility(user):
    """Campaigns covering a compound in the user's scope (staff, or a resident's own compound)."""
    scope = scope_of(user)
    return Campaign.id.in_(select(CampaignCompound.campaign_id)
                           .where(CampaignCompound.compound_id.in_(scope.compound_ids)))


def get_campaign_or_404(user, campaign_id: int) -> Campaign:
    """The campaign, with its compounds and companies loaded up front (the pages list them)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not (campaign_compound_ids(campaign) & scope_of(user).compound_ids):
        abort(404)
    db.session.scalars(select(CampaignCompound).where(CampaignCompound.campaign_id == campaign.id)
                       .options(joinedload(CampaignCompound.compound), joinedload(CampaignCompound.company))).all()
    return campaign


def get_company_or_404(user, org_id: int) -> Organisation:
    """A property company the user works for or that serves one of their staff compounds."""
    from portal.orgs.permissions import organisation_visible

    org = db.session.get(Organisation, org_id)
    if org is None or org.kind != OrgKind.PROPERTY_COMPANY or not organisation_visible(user, org):
        abort(404)
    return org
