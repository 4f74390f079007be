"""Catalogue, offering and enrolment use cases. They flush; the unit of work commits."""

from datetime import date, datetime

from sqlalchemy import ColumnElement, CompoundSelect, Select, func, or_, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, joinedload

from app.audit import services as audit
from app.auth.models import Role, User
from app.core import clock
from app.core.exceptions import Conflict, Invalid, NotFound
from app.core.i18n import _, lazy_gettext
from app.core.signals import catalogue_changed, enrolment_changed, offering_changed
from app.courses import life_cycle, load
from app.courses.models import (
    AssignmentChange,
    Cohort,
    CourseClass,
    CourseOffering,
    DeliveryMode,
    EndedEnrollment,
    Enrollment,
    Module,
    OfferingStatus,
)
from app.data.pagination import page_of
from app.data.persistence import unique_or_conflict
from app.extensions import db

REFERENCES = {
    "module_id": Module,
    "class_id": CourseClass,
    "cohort_id": Cohort,
    "mode_id": DeliveryMode,
}

# --- catalogue -------------------------------------------------------------------------------


def catalogue_label(entry) -> str:
    return getattr(entry, "code", None) or entry.name


def list_catalogue(model, search: str | None, pagination) -> list:
    statement = select(model).order_by(*search_columns(model), model.id)
    if search:
        statement = statement.where(
            db.or_(*(column.icontains(search, autoescape=True) for column in search_columns(model)))
        )
    return page_of(statement, pagination)


def search_columns(model) -> list:
    return [getattr(model, name) for name in ("code", "name") if hasattr(model, name)]


NOT_FOUND = {
    Module: lazy_gettext("No such module."),
    Cohort: lazy_gettext("No such cohort."),
    CourseClass: lazy_gettext("No such class."),
    DeliveryMode: lazy_gettext("No such delivery mode."),
}


def get_catalogue_entry(model, entry_id: int):
    entry = db.session.get(model, entry_id)
    if entry is None:
        raise NotFound(str(NOT_FOUND[model]))
    return entry


def save_catalogue_entry(entry, changes: dict, manager: User):
    """Create (a new `entry`) or update; a taken code or name is a 409 naming the field."""
    action = "updated" if entry.id else "created"
    changed = {field: (getattr(entry, field), value) for field, value in changes.items()}
    with unique_or_conflict(_("Another entry already uses this {field}.")):
        for field, value in changes.items():
            setattr(entry, field, value)
        db.session.add(entry)
    catalogue_changed.send(entry, actor=manager, action=action, changes=changed)
    return entry


def delete_catalogue_entry(entry, manager: User) -> None:
    """Delete an entry no offering uses; otherwise a 409 naming the offerings that do."""
    reference = next(
        getattr(CourseOffering, field)
        for field, model in REFERENCES.items()
        if isinstance(entry, model)
    )
    users = db.session.scalars(
        select(CourseOffering.id).where(reference == entry.id).order_by(CourseOffering.id)
    ).all()
    if users:
        raise Conflict(
            _("{label} is used by {count} course offering(s).").format(
                label=catalogue_label(entry), count=len(users)
            ),
            {"course_offering_ids": users[:50]},
        )
    catalogue_changed.send(entry, actor=manager, action="deleted", changes={})
    db.session.delete(entry)


# --- offerings -------------------------------------------------------------------------------


def visible_to(user: User) -> list[ColumnElement]:
    """Managers see every offering, facilitators their own, students those they are in."""
    if user.role == Role.MANAGER:
        return []
    if user.role == Role.FACILITATOR:
        return [CourseOffering.facilitator_id == user.id]
    enrolled = select(Enrollment.offering_id).where(Enrollment.student_id == user.id)
    return [CourseOffering.id.in_(enrolled)]


def unstaffed() -> ColumnElement:
    """Nobody runs the offering: no facilitator, or one whose account is deactivated. The one
    definition the admin's unstaffed list, the unstaffed alerts and the digest share."""
    # An alias, so a query that also selects users (managers, say) is not correlated to them.
    facilitator = aliased(User)
    active_facilitator = (
        select(facilitator.id)
        .where(facilitator.id == CourseOffering.facilitator_id, facilitator.is_active.is_(True))
        .correlate(CourseOffering)
        .exists()
    )
    return or_(CourseOffering.facilitator_id.is_(None), ~active_facilitator)


def matching(filters: dict) -> list[ColumnElement]:
    exact = ("trimester", "year", "intake", "module_id", "class_id", "cohort_id", "mode_id",
             "facilitator_id", "is_active", "status")  # fmt: skip
    conditions = [
        getattr(CourseOffering, name) == filters[name] for name in exact if name in filters
    ]
    if "unassigned" in filters:
        unassigned = CourseOffering.facilitator_id.is_(None)
        conditions.append(unassigned if filters["unassigned"] else ~unassigned)
    if "active_on" in filters:
        day = filters["active_on"]
        conditions += [CourseOffering.start_date <= day, CourseOffering.end_date >= day]
    return conditions


def ordering(sort: str) -> list:
    column = Module.code if sort.lstrip("-") == "module_code" else CourseOffering.start_date
    direction = column.desc() if sort.startswith("-") else column.asc()
    return [direction, CourseOffering.id]


# What an offering's answer shows of the rows joined to it (OfferingSchema and PersonSchema):
# loading only that keeps descriptions, timestamps and the facilitator's password hash out of
# every read, a third of each row's columns.
MODULE_SHOWN = (Module.id, Module.code, Module.name, Module.credits)
RELATED_AS_SHOWN = (
    joinedload(CourseOffering.course_class).load_only(CourseClass.id, CourseClass.name),
    joinedload(CourseOffering.cohort).load_only(Cohort.id, Cohort.name),
    joinedload(CourseOffering.mode).load_only(DeliveryMode.id, DeliveryMode.code,
                                              DeliveryMode.name),
    joinedload(CourseOffering.facilitator).load_only(User.id, User.first_name, User.last_name,
                                                     User.email),
)  # fmt: skip


def offerings_query(user: User, filters: dict) -> tuple[Select, Select]:
    """The page statement (module joined for sorting and embedding) and its count statement."""
    conditions = visible_to(user) + matching(filters)
    statement = (
        select(CourseOffering)
        .outerjoin(CourseOffering.module)
        .options(contains_eager(CourseOffering.module).load_only(*MODULE_SHOWN), *RELATED_AS_SHOWN)
        .where(*conditions)
        .order_by(*ordering(filters.get("sort", "start_date")))
    )
    return statement, select(CourseOffering.id).where(*conditions)


def list_offerings(user: User, filters: dict, pagination) -> list[CourseOffering]:
    """One page with module, class, cohort, mode and facilitator: two queries whatever its size."""
    statement, count_from = offerings_query(user, filters)
    return page_of(statement, pagination, count_from=count_from)


def get_offering(user: User, offering_id: int) -> CourseOffering:
    """The offering if this user may see it; a 404 alike for missing and not yours."""
    offering = db.session.scalar(
        select(CourseOffering)
        .where(CourseOffering.id == offering_id, *visible_to(user))
        .options(joinedload(CourseOffering.module).load_only(*MODULE_SHOWN), *RELATED_AS_SHOWN)
    )
    if offering is None:
        raise NotFound(_("No such course offering."))
    return offering


def create_offering(data: dict, manager: User) -> CourseOffering:
    """A new offering; allocated to a facilitator only within their load (see load.check)."""
    override = data.pop("override_load", False)
    data["status"] = life_cycle.status_asked(data, None) or OfferingStatus.ACTIVE
    data.pop("is_active", None)
    life_cycle.check_start(data["status"])
    check_references(data)
    check_calendar(data["year"], data["start_date"], data["end_date"])
    overridden = check_load(data, None, override)
    offering = CourseOffering(**data, status_changed_at=clock.now())
    with natural_key_unique():
        db.session.add(offering)
    if offering.facilitator_id:
        record_assignment(offering, previous=None, manager=manager)
    changes = {field: (None, value) for field, value in data.items()} | overridden
    offering_changed.send(offering, actor=manager, what={"created"}, changes=changes)
    return offering


def update_offering(offering: CourseOffering, changes: dict, manager: User) -> CourseOffering:
    """Change an offering under a row lock (as enrolment takes), so concurrent changes,
    reassignments and enrolments see each other's results."""
    db.session.refresh(offering, with_for_update=True)
    override = changes.pop("override_load", False)
    status = life_cycle.status_asked(changes, offering.status)
    changes.pop("is_active", None)
    if status is not None:
        changes["status"] = status
    check_references(changes)
    after = {name: changes.get(name, getattr(offering, name)) for name in {*PLACEMENT, "status"}}
    check_calendar(after["year"], after["start_date"], after["end_date"])
    if status not in {None, offering.status}:
        life_cycle.check_move(
            offering.status, status, after["start_date"], after["end_date"], clock.now()
        )
    if "max_students" in changes:
        check_capacity_covers_enrolments(offering, changes["max_students"])
    changed = {
        field: (getattr(offering, field), value)
        for field, value in changes.items()
        if getattr(offering, field) != value
    }
    life_cycle.check_staffing(offering.status, changed)
    overridden = check_load(after, offering, override) if PLACEMENT & changed.keys() else {}
    with natural_key_unique():
        for field, (_old, new) in changed.items():
            setattr(offering, field, new)
        if "status" in changed:
            offering.status_changed_at = clock.now()
    if "facilitator_id" in changed:
        record_assignment(offering, previous=changed["facilitator_id"][0], manager=manager)
    offering_changed.send(
        offering, actor=manager, what=aspects(changed), changes=changed | overridden
    )
    db.session.flush()
    db.session.refresh(offering)
    return offering


# What places a facilitator: changing any of these re-checks their load and availability.
PLACEMENT = {"facilitator_id", "trimester", "year", "start_date", "end_date"}


def check_load(after: dict, offering: CourseOffering | None, override: bool) -> dict:
    """The load check for an offering as it will be, when it has a facilitator and is not
    cancelled; what a manager's override let through, as an audit change (or nothing)."""
    if not after.get("facilitator_id") or after["status"] == OfferingStatus.CANCELLED:
        return {}
    placement = load.Placement(
        after["facilitator_id"], after["trimester"], after["year"], after["start_date"],
        after["end_date"], offering.id if offering else None,
    )  # fmt: skip
    overridden = load.check(placement, override)
    return {"override_load": (None, overridden)} if overridden else {}


def aspects(changed: dict) -> set[str]:
    """What a change means to other rooms: the calendar moved, the facilitator, the status
    (and whether it was a cancellation)."""
    what = set()
    if {"start_date", "end_date"} & changed.keys():
        what.add("dates")
    if "facilitator_id" in changed:
        what.add("facilitator")
    if "status" in changed:
        what.add("status")
    if changed.get("status", (None, None))[1] == OfferingStatus.CANCELLED:
        what.add("cancelled")
    return what


def check_calendar(year: int, start: date, end: date) -> None:
    """Dates in order, at most a year long, and starting within a year of the offering's year."""
    if end <= start:
        raise Invalid({"end_date": [_("Must be after start_date.")]})
    if (end - start).days > 366:
        raise Invalid({"end_date": [_("An offering lasts at most a year.")]})
    if abs(start.year - year) > 1:
        raise Invalid({"start_date": [_("Must fall within a year of {year}.").format(year=year)]})


def check_capacity_covers_enrolments(offering: CourseOffering, capacity: int) -> None:
    enrolled = count_enrolled(offering.id)
    if capacity < enrolled:
        raise Invalid(
            {"max_students": [_("{count} students are enrolled already.").format(count=enrolled)]}
        )


def count_enrolled(offering_id: int) -> int:
    return db.session.scalar(
        select(func.count(Enrollment.id)).where(Enrollment.offering_id == offering_id)
    )


def check_references(data: dict) -> None:
    """Unknown catalogue ids and anything but an active facilitator are 422s naming the field."""
    errors = {
        field: [_("No entry with id {id}.").format(id=data[field])]
        for field, model in REFERENCES.items()
        if field in data and db.session.get(model, data[field]) is None
    }
    facilitator_id = data.get("facilitator_id")
    if facilitator_id is not None:
        person = db.session.get(User, facilitator_id)
        if person is None or person.role != Role.FACILITATOR or not person.is_active:
            errors["facilitator_id"] = [_("Not an active facilitator account.")]
    if errors:
        raise Invalid(errors)


def natural_key_unique():
    """The unique natural key decides duplicates; a 409 names the offering that exists."""
    return unique_or_conflict(
        _("This offering already exists as offering {id}."), existing_as="existing_offering_id"
    )


def record_assignment(offering: CourseOffering, previous: int | None, manager: User) -> None:
    db.session.add(
        AssignmentChange(
            offering_id=offering.id,
            previous_facilitator_id=previous,
            facilitator_id=offering.facilitator_id,
            changed_by_id=manager.id,
        )
    )


def assignment_history(offering: CourseOffering) -> list[AssignmentChange]:
    return db.session.scalars(
        select(AssignmentChange)
        .where(AssignmentChange.offering_id == offering.id)
        .order_by(AssignmentChange.changed_at, AssignmentChange.id)
    ).all()


def delete_offering(offering: CourseOffering, manager: User) -> CourseOffering | None:
    """Delete an offering nothing refers to (None); archive one with history (returned).

    Enrolments, activity logs and anything added later refer to offerings through foreign
    keys, so the database itself says whether there is history: the delete is tried in a
    savepoint and, if a reference stops it, the offering is archived instead. Logs deleted
    since are history too, kept in the audit trail, which has no foreign keys.
    """
    if audit.mentions("activity_logs", "offering_id", offering.id):
        return archive(offering, manager)
    try:
        with db.session.begin_nested():
            db.session.delete(offering)
    except IntegrityError:
        return archive(offering, manager)
    offering_changed.send(offering, actor=manager, what={"deleted"}, changes={})
    return None


def archive(offering: CourseOffering, manager: User) -> CourseOffering:
    """An offering with history that is asked to go is cancelled, unless it is final already
    (completed offerings stay completed)."""
    changes = {}
    if offering.status in {OfferingStatus.PLANNED, OfferingStatus.ACTIVE}:
        changes = {"status": (offering.status, OfferingStatus.CANCELLED.value)}
        offering.status = OfferingStatus.CANCELLED
        offering.status_changed_at = clock.now()
    offering_changed.send(offering, actor=manager, what={"archived", "cancelled"}, changes=changes)
    return offering


# --- enrolments ------------------------------------------------------------------------------

ENROLLED, ALREADY, NOT_A_STUDENT, FULL = (
    "enrolled",
    "already_enrolled",
    "not_a_student",
    "offering_full",
)


def enroll(offering_id: int, student_ids: list[int], manager: User) -> list[dict]:
    """Enrol students, reporting each; capacity holds under concurrency.

    The offering row is locked (`FOR UPDATE`) before places are counted, so simultaneous
    requests for one offering take turns; the unique (offering, student) key stops doubles.
    """
    place = db.session.execute(
        select(CourseOffering.max_students, CourseOffering.is_active)
        .where(CourseOffering.id == offering_id)
        .with_for_update()
    ).one_or_none()
    if place is None:
        raise NotFound(_("No such course offering."))
    if not place.is_active:
        raise Conflict(_("This offering is archived; it takes no enrolments."))
    wanted = list(dict.fromkeys(student_ids))
    students = set(
        db.session.scalars(
            select(User.id).where(
                User.id.in_(wanted), User.role == Role.STUDENT, User.is_active.is_(True)
            )
        )
    )
    enrolled = set(
        db.session.scalars(
            select(Enrollment.student_id).where(
                Enrollment.offering_id == offering_id, Enrollment.student_id.in_(wanted)
            )
        )
    )
    taken = count_enrolled(offering_id)
    results = []
    for student_id in wanted:
        if student_id not in students:
            result = NOT_A_STUDENT
        elif student_id in enrolled:
            result = ALREADY
        elif taken >= place.max_students:
            result = FULL
        else:
            db.session.add(
                Enrollment(
                    offering_id=offering_id, student_id=student_id, enrolled_by_id=manager.id
                )
            )
            taken += 1
            result = ENROLLED
        results.append({"student_id": student_id, "result": result})
    newly = [item["student_id"] for item in results if item["result"] == ENROLLED]
    if newly:
        db.session.flush()
        enrolment_changed.send(
            db.session.get(CourseOffering, offering_id),
            actor=manager, action="enrolled", student_ids=newly,
        )  # fmt: skip
    if not newly:
        refuse_enrolment(results, place.max_students)
    return results


def refuse_enrolment(results: list[dict], capacity: int) -> None:
    outcomes = {item["result"] for item in results}
    if FULL in outcomes:
        message = _("The offering is full ({capacity} places taken).").format(capacity=capacity)
        raise Conflict(message, {"results": results})
    if ALREADY in outcomes:
        raise Conflict(_("Already enrolled."), {"results": results})
    raise Invalid(
        message=_("These ids are not active student accounts."), errors={"results": results}
    )


def unenroll(offering: CourseOffering, student_id: int, manager: User) -> None:
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.offering_id == offering.id, Enrollment.student_id == student_id
        )
    )
    if enrollment is None:
        raise NotFound(_("This student is not enrolled in this offering."))
    db.session.add(
        EndedEnrollment(
            offering_id=offering.id,
            student_id=student_id,
            enrolled_at=enrollment.enrolled_at,
            unenrolled_by_id=manager.id,
        )
    )
    db.session.delete(enrollment)
    enrolment_changed.send(offering, actor=manager, action="unenrolled", student_ids=[student_id])


def enrolled_between(offering_id: int, begins: datetime, ends: datetime) -> CompoundSelect:
    """The ids of the students enrolled in the offering at some moment in [begins, ends):
    enrolled before it ends, and not unenrolled before it begins (then or later)."""
    current = select(Enrollment.student_id).where(
        Enrollment.offering_id == offering_id, Enrollment.enrolled_at < ends
    )
    ended = select(EndedEnrollment.student_id).where(
        EndedEnrollment.offering_id == offering_id,
        EndedEnrollment.enrolled_at < ends,
        EndedEnrollment.unenrolled_at >= begins,
    )
    return union(current, ended)


def list_enrollments(offering: CourseOffering, pagination) -> list[Enrollment]:
    statement = (
        select(Enrollment)
        .join(Enrollment.student)
        .options(contains_eager(Enrollment.student))
        .where(Enrollment.offering_id == offering.id)
        .order_by(User.last_name, User.first_name, User.id)
    )
    return page_of(statement, pagination)


def my_enrollments(student: User, pagination) -> list[Enrollment]:
    statement = (
        select(Enrollment)
        .join(Enrollment.offering)
        .options(contains_eager(Enrollment.offering))
        .where(Enrollment.student_id == student.id)
        .order_by(CourseOffering.start_date.desc(), Enrollment.id)
    )
    return page_of(statement, pagination)
