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
          Role.PROPERTY_MANAGER: {"wish", "wish_photo"}, Role.OWNERS_COMMITTEE: {"wish", "wish_photo"}}
# Routes that answer 404 to every role not allowed: for the others not even the object exists (an
# account: only street administrators may learn that an id is one; a home: only its residents have one).
UNSEEN = {"orgs.my_home", "orgs.person_edit", "orgs.person_disable", "orgs.person_enable", "orgs.person_password"}
ADMIN = {Role.STREET_ADMIN}
COMMUNITY = {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER}
PERSONAL = {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.PROPERTY_MANAGER,
            Role.RESIDENT}
REPAIR_DISPATCH = {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.PROPERTY_MANAGER}
REPAIR_HANDLERS = (STAFF | {Role.PROPERTY_STAFF}) - {Role.OWNERS_COMMITTEE}
CO_STAFF = {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.GRID_WORKER}

# endpoint: (method, object kind in the URL or None, roles allowed on an in-scope object)
MATRIX = {
    "dashboard.home": ("GET", None, ALL),
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
    "projects.project_photo": ("GET", "project_photo", ALL),
    "projects.demands": ("GET", None, COMMUNITY),
    "projects.demand_new": ("GET", None, COMMUNITY),
    "projects.resources": ("GET", None, COMMUNITY),
    "projects.resource_new": ("GET", None, COMMUNITY),
    "projects.match": ("GET", None, COMMUNITY),
    "projects.resource_import": ("GET", None, COMMUNITY),
}
# Routes outside the matrix on purpose: they act on the caller alone.
SELF_ONLY = {"auth.login", "auth.logout", "auth.reauth", "auth.change_password", "auth.set_language",
             "notifications.read", "notifications.read_all", "static"}


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
        **_co_objects(world, inside),
    }


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
