"""Permission matrix: every route × every role × in-scope / out-of-scope object.

In scope but not allowed answers 403; out of scope answers 404, never someone else's data.
Exceptions answer 404 although the object is in the street: HIDDEN (objects outside one role's
scope) and UNSEEN (routes whose objects exist only for the roles allowed).
A route added without a row here fails `test_every_route_is_in_the_matrix`.
"""

import pytest

from portal.orgs.models import Position, Role
from tests.conftest import login_as, post

ALL = {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.OWNERS_COMMITTEE,
       Role.PROPERTY_MANAGER, Role.PROPERTY_STAFF, Role.RESIDENT}
STAFF = ALL - {Role.RESIDENT, Role.PROPERTY_STAFF}  # property staff see only their assigned requests
# Objects that lie outside a role's scope although their compound is in it: 404, not 403.
HIDDEN = {Role.PROPERTY_STAFF: {"household", "member", "wish", "wish_photo"},
          # a micro-wish is for its wisher, the community's staff and claimants (and open ones for residents)
          Role.PROPERTY_MANAGER: {"wish", "wish_photo"}, Role.OWNERS_COMMITTEE: {"wish", "wish_photo"},
          Role.RESIDENT: {"company"}}  # residents see no organisation pages
# Routes that answer 404 to every role not allowed: for the others not even the object exists (an
# account: only street administrators may learn that an id is one; a home: only its residents have one).
UNSEEN = {"figures.report_status", "figures.report_file", "orgs.my_home", "orgs.person_edit", "orgs.person_disable", "orgs.person_enable", "orgs.person_password",
          # a community's own surveys exist only for those who may edit them; a company's page only for staff
          "surveys.survey_detail", "surveys.survey_copy", "surveys.question_new", "surveys.question_edit",
          "surveys.question_delete", "surveys.company"}
ADMIN = {Role.STREET_ADMIN}
COMMUNITY = {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER}
PERSONAL = {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.PROPERTY_MANAGER,
            Role.RESIDENT}
REPAIR_DISPATCH = {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.PROPERTY_MANAGER}
SURVEY_LAUNCH = {Role.PARTY_SECRETARY, Role.OWNERS_COMMITTEE}
REPAIR_HANDLERS = (STAFF | {Role.PROPERTY_STAFF}) - {Role.OWNERS_COMMITTEE}
MEETING_RUN = {Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER}  # convene and run a compound's meetings
MEETING_INVITED = MEETING_RUN | {Role.GRID_WORKER, Role.OWNERS_COMMITTEE, Role.PROPERTY_MANAGER}
MEETING_SEE = MEETING_INVITED | {Role.STREET_ADMIN}  # street administrators oversee
MEETING_THREE = {Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.OWNERS_COMMITTEE, Role.PROPERTY_MANAGER}
CO_STAFF = {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.GRID_WORKER}

# endpoint: (method, object kind in the URL or None, roles allowed on an in-scope object)
MATRIX = {
    "dashboard.home": ("GET", None, ALL),
    "figures.areas": ("GET", None, COMMUNITY | {Role.PROPERTY_MANAGER}),
    "figures.glance": ("GET", None, COMMUNITY | {Role.PROPERTY_MANAGER}),
    "figures.community": ("GET", "community", COMMUNITY),
    "figures.street": ("GET", "street", ADMIN),
    "figures.community_report": ("POST", "community", COMMUNITY),
    "figures.street_report": ("POST", "street", ADMIN),
    "figures.company": ("GET", "company", {Role.STREET_ADMIN, Role.PROPERTY_MANAGER}),
    "figures.company_report": ("POST", "company", {Role.STREET_ADMIN, Role.PROPERTY_MANAGER}),
    # A report job belongs to the street administrator who asked for it; to anyone else it does not exist.
    "figures.report_status": ("GET", "report", ADMIN),
    "figures.report_file": ("GET", "report", ADMIN),
    "repairs.records": ("GET", "area", COMMUNITY),
    "meetings.records": ("GET", "area", COMMUNITY),
    "meetings.resolution_records": ("GET", "area", COMMUNITY),
    "projects.project_records": ("GET", "area", COMMUNITY),
    "projects.wish_records": ("GET", "area", COMMUNITY),
    "notifications.index": ("GET", None, ALL),
    "notifications.bell": ("GET", None, ALL),
    "orgs.communities": ("GET", None, COMMUNITY),
    "orgs.community_new": ("GET", None, ADMIN),
    "orgs.community_detail": ("GET", "community", STAFF),
    "orgs.community_edit": ("GET", "community", ADMIN),
    "orgs.compounds": ("GET", None, STAFF),
    "orgs.compound_new": ("GET", None, ADMIN),
    "orgs.compound_detail": ("GET", "compound", STAFF),
    "orgs.compound_edit": ("GET", "compound", ADMIN),
    "orgs.building_new": ("GET", "compound", ADMIN),
    "orgs.building_edit": ("GET", "building", ADMIN),
    "orgs.contract_new": ("GET", "compound", ADMIN),
    "orgs.contract_terminate": ("POST", "contract", ADMIN),
    "orgs.households": ("GET", "compound", STAFF),
    "orgs.household_new": ("GET", "compound", ADMIN),
    "orgs.household_import": ("GET", "compound", ADMIN),
    "orgs.household_detail": ("GET", "household", ALL - {Role.PROPERTY_STAFF}),
    "orgs.household_edit": ("GET", "household", ADMIN),
    "orgs.household_phone": ("GET", "household", PERSONAL),
    "orgs.member_add": ("POST", "household", ADMIN),
    "orgs.member_remove": ("POST", "member", ADMIN),
    "orgs.my_home": ("GET", None, {Role.RESIDENT}),
    "orgs.organisations": ("GET", None, STAFF),
    "orgs.organisation_new": ("GET", None, ADMIN),
    "orgs.organisation_detail": ("GET", "organisation", STAFF),
    "orgs.organisation_edit": ("GET", "organisation", ADMIN),
    "orgs.position_new": ("GET", "organisation", ADMIN),
    "orgs.position_end": ("POST", "position", ADMIN),
    "orgs.people": ("GET", None, ADMIN),
    "orgs.home_coverage": ("GET", None, COMMUNITY),
    "orgs.person_new": ("GET", None, ADMIN),
    "orgs.person_edit": ("GET", "person", ADMIN),
    "orgs.person_disable": ("POST", "person", ADMIN),
    "orgs.person_enable": ("POST", "person", ADMIN),
    "orgs.person_password": ("POST", "person", ADMIN),
    "orgs.audit_log": ("GET", None, ADMIN),
    "repairs.service_levels": ("GET", None, ADMIN),
    "repairs.new": ("GET", None, ALL - {Role.OWNERS_COMMITTEE}),  # world's committee member has no home
    "repairs.board": ("GET", None, ALL),
    "repairs.photo": ("GET", "photo", ALL),  # a result photo of a closed request: on the public board
    # The "repair" object is a 个事 filed by phone for the resident's household, unassigned and overdue, so
    # every role of `world` sees it. Allowed = the role could take the step on such a request (2xx/3xx,
    # including a 200 page saying the state or the current handler forbids it); 403 = never.
    "repairs.queue": ("GET", None, ALL),
    "repairs.detail": ("GET", "repair", ALL),
    "repairs.triage": ("POST", "repair", REPAIR_DISPATCH),
    "repairs.assign": ("POST", "repair", REPAIR_DISPATCH),
    "repairs.department": ("POST", "repair", {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER}),
    "repairs.accept": ("POST", "repair", REPAIR_HANDLERS),
    "repairs.return_": ("POST", "repair", REPAIR_HANDLERS),
    "repairs.hold": ("POST", "repair", REPAIR_HANDLERS),
    "repairs.resume": ("POST", "repair", REPAIR_HANDLERS),
    "repairs.resolve": ("POST", "repair", REPAIR_HANDLERS),
    "repairs.return_visit": ("POST", "repair", REPAIR_HANDLERS),
    "repairs.evaluate": ("POST", "repair", {Role.RESIDENT}),
    # Joint meetings. The "meeting" is under way in the resident's compound, convened by the party secretary,
    # with the 1+3 invited (secretary, community worker, grid worker, owners' committee member, property
    # manager), minutes issued and a correction asked by the owners' committee, disclosed; see _meeting.
    "meetings.index": ("GET", None, ALL),
    "meetings.new": ("GET", None, MEETING_RUN),
    "meetings.detail": ("GET", "meeting", MEETING_SEE),
    "meetings.invite_ics": ("GET", "meeting", MEETING_SEE),
    "meetings.print_minutes": ("GET", "meeting", MEETING_SEE),
    "meetings.disclosure": ("GET", "meeting", MEETING_SEE | {Role.RESIDENT}),
    "meetings.sign_in": ("GET", "meeting", MEETING_INVITED),
    "meetings.sign_in_qr": ("GET", "meeting", MEETING_RUN),
    "meetings.reschedule": ("POST", "meeting", MEETING_RUN),
    "meetings.cancel": ("POST", "meeting", MEETING_RUN),
    "meetings.next_occurrence": ("POST", "meeting", MEETING_RUN),
    "meetings.agenda_add": ("POST", "meeting", MEETING_RUN),
    "meetings.agenda_up": ("POST", "agenda_item", MEETING_RUN),
    "meetings.agenda_down": ("POST", "agenda_item", MEETING_RUN),
    "meetings.agenda_remove": ("POST", "agenda_item", MEETING_RUN),
    "meetings.attendance": ("POST", "meeting", MEETING_RUN),
    "meetings.minutes_save": ("POST", "meeting", MEETING_RUN),
    "meetings.minutes_correct": ("POST", "meeting", MEETING_RUN),
    "meetings.minutes_confirm": ("POST", "meeting", MEETING_THREE),
    "meetings.minutes_reply": ("POST", "answer", MEETING_RUN),
    "meetings.disclose": ("POST", "meeting", MEETING_RUN),
    "meetings.resolution_add": ("POST", "meeting", MEETING_RUN),
    "meetings.follow_up": ("GET", None, ALL - {Role.RESIDENT}),
    "meetings.resolution_detail": ("GET", "resolution", MEETING_SEE),
    "meetings.resolution_update": ("POST", "resolution", MEETING_RUN | {Role.PROPERTY_MANAGER}),
    "meetings.resolution_complete": ("POST", "resolution", MEETING_RUN | {Role.PROPERTY_MANAGER}),
    "meetings.proposals": ("GET", None, ALL),
    "meetings.proposal_new": ("GET", None, {Role.RESIDENT}),
    "meetings.proposal_detail": ("GET", "proposal", MEETING_RUN | {Role.RESIDENT}),
    "meetings.proposal_accept": ("POST", "proposal", MEETING_RUN),
    "meetings.proposal_decline": ("POST", "proposal", MEETING_RUN),
    "meetings.calendar_page": ("GET", None, ALL),
    "meetings.calendar_new": ("POST", None, ALL),
    "meetings.service_day": ("GET", None, COMMUNITY),
    "meetings.service_day_mark": ("POST", None, COMMUNITY),
    # Co-construction. The "wish" object is an open wish the resident posted for their household; world's
    # roles are no party members, so only community staff (acting for a unit) may ever claim it.
    "projects.wishes": ("GET", None, ALL),
    "projects.wish_new": ("GET", None, CO_STAFF | {Role.RESIDENT}),
    "projects.wish_detail": ("GET", "wish", CO_STAFF | {Role.RESIDENT}),
    "projects.wish_claim": ("POST", "wish", CO_STAFF),
    "projects.wish_release": ("POST", "wish", CO_STAFF),
    "projects.wish_fulfil": ("POST", "wish", CO_STAFF),
    "projects.wish_confirm": ("POST", "wish", CO_STAFF | {Role.RESIDENT}),
    "projects.wish_withdraw": ("POST", "wish", CO_STAFF | {Role.RESIDENT}),
    "projects.wish_photo": ("GET", "wish_photo", CO_STAFF | {Role.RESIDENT}),
    "projects.registers_page": ("GET", None, COMMUNITY),
    "projects.unit_new": ("GET", None, COMMUNITY),
    "projects.member_new": ("GET", None, COMMUNITY),
    "projects.agreement_new": ("GET", "unit", COMMUNITY),
    "projects.records": ("GET", None, ALL),
    # A proposed project of the world's community for its compound: public to everyone there; community
    # staff run it; its residents and owners' committee evaluate it (a 200 page saying "not completed yet").
    "projects.project_list": ("GET", None, ALL),
    "projects.project_new": ("GET", None, COMMUNITY),
    "projects.project_detail": ("GET", "project", ALL),
    "projects.project_step": ("POST", "project", COMMUNITY),
    "projects.milestone_add": ("POST", "project", COMMUNITY),
    "projects.milestone_done": ("POST", "milestone", COMMUNITY),
    "projects.project_update": ("POST", "project", COMMUNITY),
    "projects.project_evaluate": ("POST", "project", {Role.RESIDENT, Role.OWNERS_COMMITTEE}),
    "projects.project_agenda": ("POST", "project", COMMUNITY),  # onto the compound's next joint meeting
    "projects.project_photo": ("GET", "project_photo", ALL),
    "projects.demands": ("GET", None, COMMUNITY),
    "projects.demand_new": ("GET", None, COMMUNITY),
    "projects.resources": ("GET", None, COMMUNITY),
    "projects.resource_new": ("GET", None, COMMUNITY),
    "projects.match": ("GET", None, COMMUNITY),
    "projects.resource_import": ("GET", None, COMMUNITY),
    # surveys: the "campaign" is open, launched by the party secretary over the resident's compound; the
    # "survey" is the community's own copy of the standard template
    "surveys.index": ("GET", None, ALL - {Role.PROPERTY_STAFF}),
    "surveys.survey_detail": ("GET", "survey", SURVEY_LAUNCH),
    "surveys.survey_copy": ("POST", "survey", SURVEY_LAUNCH),
    "surveys.question_new": ("GET", "survey", SURVEY_LAUNCH),
    "surveys.question_edit": ("GET", "question", SURVEY_LAUNCH),
    "surveys.question_delete": ("POST", "question", SURVEY_LAUNCH),
    "surveys.campaign_new": ("GET", None, SURVEY_LAUNCH),
    "surveys.campaign_detail": ("GET", "campaign", ALL),
    "surveys.thanks": ("GET", "campaign", ALL),
    "surveys.answer": ("GET", "campaign", {Role.RESIDENT}),
    "surveys.code_answer": ("GET", None, ALL),  # also without an account: the QR opens it
    "surveys.paper": ("GET", "campaign", {Role.COMMUNITY_WORKER}),
    "surveys.codes": ("GET", "campaign", SURVEY_LAUNCH | {Role.COMMUNITY_WORKER}),
    "surveys.code_sheet": ("POST", "campaign", SURVEY_LAUNCH | {Role.COMMUNITY_WORKER}),
    "surveys.code_reissue": ("POST", "campaign", SURVEY_LAUNCH | {Role.COMMUNITY_WORKER}),
    "surveys.results": ("GET", "campaign", STAFF),
    "surveys.export_xlsx": ("GET", "campaign", STAFF),
    # acting on results: launchers and community workers (the open campaign refuses beside the button)
    "surveys.campaign_agenda": ("POST", "campaign", SURVEY_LAUNCH | {Role.COMMUNITY_WORKER}),
    "surveys.community": ("GET", "community", ALL - {Role.RESIDENT}),
    "surveys.company": ("GET", "survey_company", ALL - {Role.RESIDENT}),
    "surveys.campaign_close": ("POST", "campaign", SURVEY_LAUNCH),  # last: it closes the campaign
}
# Routes outside the matrix on purpose: they act on the caller alone.
SELF_ONLY = {"auth.login", "auth.logout", "auth.reauth", "auth.change_password", "auth.set_language",
             "notifications.read", "notifications.read_all", "static",
             "meetings.feed"}  # a person's calendar feed, opened by its secret alone (tests/meetings/test_views.py)


def objects(world, inside: bool):
    from portal.extensions import db
    from portal.orgs.models import HouseholdMember, ServiceContract

    compound = world["compound"] if inside else world["far_compound"]
    household = world["household"] if inside else compound.buildings[0].households[0]
    member = db.session.query(HouseholdMember).filter_by(household_id=household.id).first()
    if member is None:
        from tests.conftest import make_user

        member = db.session.query(HouseholdMember).filter_by(
            user_id=make_user("远方居民", household=household).id).one()
    contract = db.session.query(ServiceContract).filter_by(compound_id=compound.id).first()
    if contract is None:
        from portal.orgs.models import OrgKind
        from tests.conftest import make_contract, make_org

        contract = make_contract(compound, make_org(OrgKind.PROPERTY_COMPANY, street=compound.community.street))
    db.session.commit()
    return {
        "community": ("community_id", (world["community"] if inside else world["far_community"]).id),
        "street": ("street_id", (world["street"] if inside else world["far_street"]).id),
        "report": ("job_id", _report_job(world, inside).id),
        "company": ("company_id", (world["company"] if inside else contract.company).id),
        "area": ("community", (world["community"] if inside else world["far_community"]).id),  # ?community=
        "compound": ("compound_id", compound.id),
        "building": ("building_id", compound.buildings[0].id),
        "household": ("household_id", household.id),
        "member": ("member_id", member.id),
        "contract": ("contract_id", contract.id),
        "organisation": ("org_id", (world["owners"] if inside else _far_org(world)).id),
        "position": ("position_id", _position(world, inside).id),
        "person": ("user_id", (world["users"][Role.OWNERS_COMMITTEE] if inside else _far_person(world)).id),
        "photo": ("photo_id", _board_photo(compound, world["users"][Role.RESIDENT]).id),
        "repair": ("request_id", _repair(world, inside).id),
        **_meeting(world, inside),
        **_survey_objects(world, inside),
        **_co_objects(world, inside),
    }


def _survey_objects(world, inside):
    """A community's copy of the standard template and an open campaign over the compound (inside), or
    the same in the far street (outside)."""
    from datetime import timedelta

    from portal.extensions import db
    from portal.orgs.models import OrgKind
    from portal.surveys import services
    from tests.conftest import make_contract, make_org, make_user

    if inside:
        community, compound, launcher = world["community"], world["compound"], world["users"][Role.PARTY_SECRETARY]
        company = world["company"]
    else:
        community, compound = world["far_community"], world["far_compound"]
        launcher = make_user("远方书记", role=Role.PARTY_SECRETARY,
                             org=make_org(OrgKind.PARTY_COMMITTEE, community=community))
        company = make_org(OrgKind.PROPERTY_COMPANY, street=world["far_street"], name="远方物业")
        if not compound.contracts:
            make_contract(compound, company)
    survey = services.copy_survey(services.standard_template(), community_id=community.id, by=launcher)
    now = services.now_utc()
    campaign = services.launch_campaign(by=launcher, survey=survey, compound_ids=[compound.id], title="测评",
                                        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=3))
    db.session.commit()
    return {"survey": ("survey_id", survey.id), "question": ("question_id", survey.questions[0].id),
            "campaign": ("campaign_id", campaign.id), "survey_company": ("org_id", company.id)}


def _co_objects(world, inside):
    """An open wish with a proof photo, and a resident unit, inside the world's community or in the far one."""
    from datetime import date
    from io import BytesIO

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from portal.extensions import db
    from portal.projects.models import Unit, Wish
    from portal.projects.photos import save_photos
    from tests.conftest import make_user

    compound = world["compound"] if inside else world["far_compound"]
    household = world["household"] if inside else compound.buildings[0].households[0]
    wisher = world["users"][Role.RESIDENT] if inside else make_user("远方心愿人", household=household)
    wish = Wish(compound_id=compound.id, household_id=household.id, wisher_id=wisher.id, posted_by_id=wisher.id,
                title="想要一把轮椅", category="health", status="open")
    unit = Unit(community_id=compound.community_id, name="共建单位", registered_on=date(2026, 1, 1),
                contact_name="联络人", contact_phone="13900000009")
    db.session.add_all([wish, unit])
    db.session.flush()
    image = BytesIO()
    Image.new("RGB", (8, 8)).save(image, "JPEG")
    image.seek(0)
    [photo] = save_photos(wish, [FileStorage(image, "done.jpg")], by=wisher)
    db.session.commit()
    from portal.projects.models import Milestone, Project, ProjectEvent
    from portal.projects.photos import save_update_photos

    project = Project(community_id=compound.community_id, title="充电棚", content="新建充电棚", responsible_body="居委会",
                      responsible_person="陈静", start_date=date(2026, 1, 1), deadline=date(2026, 12, 31),
                      created_by_id=wisher.id, status="proposed", compounds=[compound])
    milestone = Milestone(project=project, title="设计", due_date=date(2026, 3, 1), weight=1)
    event = ProjectEvent(project=project, action="update", note="开工")
    db.session.add_all([project, milestone, event])
    db.session.flush()
    image.seek(0)
    [project_photo] = save_update_photos(event, [FileStorage(image, "site.jpg")], by=wisher)
    db.session.commit()
    return {"wish": ("wish_id", wish.id), "wish_photo": ("photo_id", photo.id), "unit": ("unit_id", unit.id),
            "project": ("project_id", project.id), "milestone": ("milestone_id", milestone.id),
            "project_photo": ("photo_id", project_photo.id)}


@pytest.fixture(autouse=True)
def _uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "PROJECTS_UPLOAD_FOLDER", str(tmp_path / "project-uploads"))


def _board_photo(compound, by):
    """The result photo of a closed request of `compound` (stored through save_photos)."""
    from io import BytesIO

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from portal.extensions import db
    from portal.repairs.models import RepairRequest, Status
    from portal.repairs.photos import save_photos

    req = RepairRequest(compound_id=compound.id, place="北门", category="access", kind="household",
                        description="门禁坏了", filed_by_id=by.id, status=Status.CLOSED)
    db.session.add(req)
    db.session.flush()
    image = BytesIO()
    Image.new("RGB", (8, 8)).save(image, "JPEG")
    image.seek(0)
    [photo] = save_photos(req, [FileStorage(image, "done.jpg")], stage="result", by=by)
    db.session.commit()
    return photo


def _repair(world, inside):
    """A request filed by phone by property staff: inside, for the resident's household and overdue (so
    every role sees it); outside, in far_compound."""
    from datetime import timedelta

    from portal.extensions import db
    from portal.orgs.models import OrgKind, ServiceContract
    from portal.repairs import services
    from tests.conftest import make_contract, make_org, make_user

    if inside:
        req = services.file_request(by=world["users"][Role.PROPERTY_STAFF], compound=world["compound"],
                                    household=world["household"], category="water_power", description="水管漏水",
                                    channel="phone")
        req.due_at = services.now_utc() - timedelta(hours=1)
    else:
        compound = world["far_compound"]
        contract = db.session.query(ServiceContract).filter_by(compound_id=compound.id).first()
        company = contract.company if contract else make_org(OrgKind.PROPERTY_COMPANY, street=world["far_street"])
        if contract is None:
            make_contract(compound, company)
        staff = make_user("远方维修工", role=Role.PROPERTY_STAFF, org=company)
        req = services.file_request(by=staff, compound=compound, household=compound.buildings[0].households[0],
                                    category="water_power", description="远方漏水", channel="phone")
    db.session.commit()
    return req


def _report_job(world, inside):
    from portal.dashboard.models import JobStatus, ReportJob
    from portal.extensions import db
    from tests.conftest import make_user

    owner = world["users"][Role.STREET_ADMIN] if inside else make_user("远方管理员", street=world["far_street"])
    job = ReportJob(id=("a" if inside else "b") * 32, user_id=owner.id, area_kind="community",
                    area_id=world["community"].id, period={"period": "month"}, status=JobStatus.DONE, progress=100,
                    filename="r.xlsx", content=b"PK")
    db.session.add(job)
    db.session.commit()
    return job


def _far_org(world):
    from portal.orgs.models import OrgKind
    from tests.conftest import make_org

    return make_org(OrgKind.OWNERS_COMMITTEE, compound=world["far_compound"], name="远方业委会")


def _far_person(world):
    from tests.conftest import make_user

    return make_user("远方人员", street=world["far_street"])


def _position(world, inside):
    from portal.extensions import db

    if inside:
        return db.session.query(Position).filter_by(organisation_id=world["owners"].id).first()
    from tests.conftest import make_user

    org = _far_org(world)
    person = make_user("远方委员", role=Role.OWNERS_COMMITTEE, org=org)
    return db.session.query(Position).filter_by(user_id=person.id).one()


def _meeting(world, inside):
    """A meeting under way (see the MATRIX comment), built as rows; outside: the same in far_compound."""
    from datetime import timedelta

    from portal.core.clock import now_utc
    from portal.extensions import db
    from portal.meetings.models import (
        AgendaItem,
        Confirmation,
        Invitee,
        Meeting,
        MinutesVersion,
        Proposal,
        Resolution,
    )
    from portal.orgs.models import OrgKind
    from tests.conftest import make_org, make_user

    users = world["users"]
    compound = world["compound"] if inside else world["far_compound"]
    if inside:
        people = [(users[Role.PARTY_SECRETARY], world["party"], "party"),
                  (users[Role.COMMUNITY_WORKER], world["residents_committee"], "residents"),
                  (users[Role.GRID_WORKER], world["residents_committee"], "residents"),
                  (users[Role.OWNERS_COMMITTEE], world["owners"], "owners"),
                  (users[Role.PROPERTY_MANAGER], world["company"], "property")]
        resident = users[Role.RESIDENT]
    else:
        org = make_org(OrgKind.OWNERS_COMMITTEE, compound=compound, name="远方业委会二")
        people = [(make_user("远方书记", role=Role.OWNERS_COMMITTEE, org=org), org, "party"),
                  (make_user("远方委员", role=Role.OWNERS_COMMITTEE, org=org), org, "owners")]
        resident = make_user("远方居民二", household=compound.buildings[0].households[0])
    now = now_utc()
    meeting = Meeting(community_id=compound.community_id, compound_id=compound.id, title="联席会议", kind="regular",
                      starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=1), place="会议室",
                      convener_id=people[0][0].id, sign_in_code="123456", disclosed_at=now)
    db.session.add(meeting)
    db.session.flush()
    for user, org, party in people:
        db.session.add(Invitee(meeting_id=meeting.id, user_id=user.id, organisation_id=org.id, party=party))
    item = AgendaItem(meeting_id=meeting.id, title="停车", position=1)
    version = MinutesVersion(meeting_id=meeting.id, number=1, items=[], quorate=False, issued_by_id=people[0][0].id)
    db.session.add_all([item, version])
    db.session.flush()
    owners_rep, owners_org, _party = people[3] if inside else people[1]
    answer = Confirmation(version_id=version.id, party="owners", user_id=owners_rep.id, answer="correction", comment="改")
    resolution = Resolution(meeting_id=meeting.id, what="划线", organisation_id=people[-1][1].id,
                            responsible_id=people[-1][0].id, deadline=now.date() + timedelta(days=3))
    proposal = Proposal(compound_id=compound.id, proposer_id=resident.id, title="快递柜")
    db.session.add_all([answer, resolution, proposal])
    db.session.commit()
    return {"meeting": ("meeting_id", meeting.id),
            "agenda_item": ("item_id", item.id), "answer": ("answer_id", answer.id),
            "resolution": ("resolution_id", resolution.id), "proposal": ("proposal_id", proposal.id)}


def _call(client, app, endpoint, method, kind, objs):
    from flask import url_for

    kwargs = {}
    if kind is not None:
        name, value = objs[kind]
        kwargs[name] = value
    with app.test_request_context():
        url = url_for(endpoint, **kwargs)
    if method == "GET":
        return client.get(url)
    return post(client, url, {})


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(MATRIX) - SELF_ONLY - set(EXTRA)
    assert not missing, f"add these routes to the permission matrix: {sorted(missing)}"


EXTRA: dict = {}


def test_unseen_routes_are_in_the_matrix():
    assert not UNSEEN - set(MATRIX), "UNSEEN names a route the matrix does not have"


@pytest.mark.parametrize("role", sorted(ALL))
def test_matrix(app, world, role):
    client = app.test_client()
    login_as(client, world["users"][role])
    inside, outside = objects(world, True), objects(world, False)
    failures = []
    for endpoint, (method, kind, allowed) in {**MATRIX, **EXTRA}.items():
        if endpoint not in app.view_functions:
            continue
        response = _call(client, app, endpoint, method, kind, inside)
        if role in allowed:
            ok = response.status_code in (200, 204, 302, 303)
        elif endpoint in UNSEEN or kind in HIDDEN.get(role, ()):
            ok = response.status_code == 404
        else:
            ok = response.status_code == 403
        if not ok:
            failures.append((endpoint, "inside", response.status_code))
        if kind is not None:
            response = _call(client, app, endpoint, method, kind, outside)
            if response.status_code != 404:
                failures.append((endpoint, "outside", response.status_code))
    assert not failures, failures
