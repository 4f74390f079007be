"""`/api/v1/modules|cohorts|classes|modes`, `/api/v1/course-offerings`, `/api/v1/me/enrollments`."""

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api.blueprint import Blueprint
from app.auth.models import Role
from app.courses import services
from app.courses.models import Cohort, CourseClass, DeliveryMode, Module
from app.courses.schemas import (
    AssignmentChangeSchema,
    CatalogueQuerySchema,
    ClassSchema,
    CohortSchema,
    EnrollmentSchema,
    EnrollRequestSchema,
    EnrollResultSchema,
    ModeSchema,
    ModuleSchema,
    MyEnrollmentSchema,
    OfferingQuerySchema,
    OfferingSchema,
    OfferingWriteSchema,
)
from app.data.cache import cached

catalogue_blp = Blueprint(
    "catalogue", __name__, url_prefix="/api/v1", description="Modules, cohorts, classes, modes"
)
offerings_blp = Blueprint(
    "course_offerings",
    __name__,
    url_prefix="/api/v1",
    description="Course offerings and enrolments",
)
MANAGER = Role.MANAGER
# What an offering, as returned, is read from (the facilitator's name, the enrolled count).
OFFERING_TABLES = ("course_offerings", "modules", "classes", "cohorts", "delivery_modes",
                   "users", "enrollments")  # fmt: skip


def catalogue_resource(path: str, model, schema, noun: str, plural: str) -> None:
    """The same five operations for every catalogue list; one definition, four resources, each
    named after its model (`Module`, and `Modules` for the list: the OpenAPI operation ids)."""

    class Collection(MethodView):
        @catalogue_blp.signed_in()
        @cached(model.__tablename__, managers_share=True)
        @catalogue_blp.arguments(CatalogueQuerySchema, location="query")
        @catalogue_blp.response(200, schema(many=True))
        @catalogue_blp.paginate()
        def get(self, query, pagination_parameters):
            return services.list_catalogue(model, query.get("q"), pagination_parameters)

        @catalogue_blp.signed_in(MANAGER)
        @catalogue_blp.arguments(schema)
        @catalogue_blp.response(201, schema)
        @catalogue_blp.alt_response(409, response="DEFAULT_ERROR", description="Code/name taken")
        def post(self, data):
            return services.save_catalogue_entry(model(), data, current_user)

    class Item(MethodView):
        @catalogue_blp.signed_in()
        @cached(model.__tablename__, managers_share=True)
        @catalogue_blp.response(200, schema)
        def get(self, entry_id):
            return services.get_catalogue_entry(model, entry_id)

        @catalogue_blp.signed_in(MANAGER)
        @catalogue_blp.arguments(schema(partial=True))
        @catalogue_blp.response(200, schema)
        @catalogue_blp.alt_response(409, response="DEFAULT_ERROR", description="Code/name taken")
        def patch(self, changes, entry_id):
            return services.save_catalogue_entry(
                services.get_catalogue_entry(model, entry_id), changes, current_user
            )

        @catalogue_blp.signed_in(MANAGER)
        @catalogue_blp.response(204)
        @catalogue_blp.alt_response(409, response="DEFAULT_ERROR", description="Still in use")
        def delete(self, entry_id):
            services.delete_catalogue_entry(
                services.get_catalogue_entry(model, entry_id), current_user
            )

    Collection.get.__doc__ = f"List {plural} (search with q)"
    Collection.post.__doc__ = f"Create a {noun} (managers)"
    Item.get.__doc__ = f"Read a {noun}"
    Item.patch.__doc__ = f"Change a {noun} (managers)"
    Item.delete.__doc__ = f"Delete a {noun} no offering uses (managers)"
    name = model.__name__
    collection = name + ("es" if name.endswith("s") else "s")
    catalogue_blp.route(f"/{path}", endpoint=collection)(Collection)
    catalogue_blp.route(f"/{path}/<id:entry_id>", endpoint=name)(Item)


catalogue_resource("modules", Module, ModuleSchema, "module", "modules")
catalogue_resource("cohorts", Cohort, CohortSchema, "cohort", "cohorts")
catalogue_resource("classes", CourseClass, ClassSchema, "class", "classes")
catalogue_resource("modes", DeliveryMode, ModeSchema, "delivery mode", "delivery modes")


@offerings_blp.route("/course-offerings")
class Offerings(MethodView):
    @offerings_blp.signed_in()
    @cached(*OFFERING_TABLES, managers_share=True)
    @offerings_blp.arguments(OfferingQuerySchema, location="query")
    @offerings_blp.response(200, OfferingSchema(many=True))
    @offerings_blp.paginate()
    def get(self, filters, pagination_parameters):
        """List the offerings you may see (managers all, facilitators theirs, students enrolled)"""
        return services.list_offerings(current_user, filters, pagination_parameters)

    @offerings_blp.signed_in(MANAGER)
    @offerings_blp.arguments(OfferingWriteSchema)
    @offerings_blp.response(201, OfferingSchema)
    @offerings_blp.alt_response(
        409, response="DEFAULT_ERROR", description="Offering exists, or the facilitator is at "
        "their maximum for the trimester or unavailable (override_load)"
    )  # fmt: skip
    def post(self, data):
        """Create an offering, optionally allocated to a facilitator (managers)"""
        return services.create_offering(data, current_user)


@offerings_blp.route("/course-offerings/<id:offering_id>")
class Offering(MethodView):
    @offerings_blp.signed_in()
    @cached(*OFFERING_TABLES, managers_share=True)
    @offerings_blp.response(200, OfferingSchema)
    def get(self, offering_id):
        """Read an offering you may see"""
        return services.get_offering(current_user, offering_id)

    @offerings_blp.signed_in(MANAGER)
    @offerings_blp.arguments(OfferingWriteSchema(partial=True))
    @offerings_blp.response(200, OfferingSchema)
    @offerings_blp.alt_response(
        409, response="DEFAULT_ERROR", description="Offering exists, the facilitator is at "
        "their maximum or unavailable (override_load), or a status move the life cycle refuses"
    )  # fmt: skip
    def patch(self, changes, offering_id):
        """Change an offering; facilitator_id (un)assigns, status moves its life cycle (managers)"""
        offering = services.get_offering(current_user, offering_id)
        return services.update_offering(offering, changes, current_user)

    @offerings_blp.signed_in(MANAGER)
    @offerings_blp.response(204)
    @offerings_blp.alt_response(200, schema=OfferingSchema, description="Archived, not deleted")
    def delete(self, offering_id):
        """Delete an offering; one with history is archived instead (managers)"""
        archived = services.delete_offering(
            services.get_offering(current_user, offering_id), current_user
        )
        return (OfferingSchema().dump(archived), 200) if archived else None


@offerings_blp.route("/course-offerings/<id:offering_id>/assignments")
class AssignmentHistory(MethodView):
    @offerings_blp.signed_in(MANAGER)
    @offerings_blp.response(200, AssignmentChangeSchema(many=True))
    def get(self, offering_id):
        """Who allocated this offering to whom, and when (managers)"""
        return services.assignment_history(services.get_offering(current_user, offering_id))


@offerings_blp.route("/course-offerings/<id:offering_id>/enrollments")
class Enrollments(MethodView):
    @offerings_blp.signed_in(MANAGER, Role.FACILITATOR)
    @cached(*OFFERING_TABLES, "student_profiles", managers_share=True)
    @offerings_blp.response(200, EnrollmentSchema(many=True))
    @offerings_blp.paginate()
    def get(self, offering_id, pagination_parameters):
        """Students enrolled in an offering (managers, and its facilitator)"""
        offering = services.get_offering(current_user, offering_id)
        return services.list_enrollments(offering, pagination_parameters)

    @offerings_blp.signed_in(MANAGER)
    @offerings_blp.arguments(EnrollRequestSchema)
    @offerings_blp.response(201, EnrollResultSchema(many=True))
    @offerings_blp.alt_response(409, response="DEFAULT_ERROR", description="Full or all enrolled")
    def post(self, data, offering_id):
        """Enrol one or many students; each is reported (managers)"""
        return services.enroll(offering_id, data["student_ids"], current_user)


@offerings_blp.route("/course-offerings/<id:offering_id>/enrollments/<id:student_id>")
class EnrollmentItem(MethodView):
    @offerings_blp.signed_in(MANAGER)
    @offerings_blp.response(204)
    def delete(self, offering_id, student_id):
        """Remove a student from an offering (managers)"""
        services.unenroll(
            services.get_offering(current_user, offering_id), student_id, current_user
        )


@offerings_blp.route("/me/enrollments")
class MyEnrollments(MethodView):
    @offerings_blp.signed_in(Role.STUDENT)
    @cached(*OFFERING_TABLES, managers_share=True)
    @offerings_blp.response(200, MyEnrollmentSchema(many=True))
    @offerings_blp.paginate()
    def get(self, pagination_parameters):
        """Your enrolments, each with its offering (students)"""
        return services.my_enrollments(current_user, pagination_parameters)
