"""`/api/v1/reflections`: students submit and read theirs; staff read; managers summarise."""

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api.blueprint import Blueprint
from app.auth.models import Role
from app.data.cache import cached
from app.reflections import services
from app.reflections.schemas import (
    ReflectionCreateSchema,
    ReflectionQuerySchema,
    ReflectionSchema,
    ReflectionSummarySchema,
)

blp = Blueprint(
    "reflections",
    __name__,
    url_prefix="/api/v1/reflections",
    description="End-of-module student reflections",
)
# What a reflection, its list filters and the summary are read from.
REFLECTION_TABLES = (
    "reflections",
    "course_offerings",
    "enrollments",
    "users",
    "modules",
    "cohorts",
    "classes",
    "delivery_modes",
)


@blp.route("")
class Reflections(MethodView):
    @blp.signed_in()
    @cached(*REFLECTION_TABLES, managers_share=True)
    @blp.arguments(ReflectionQuerySchema, location="query")
    @blp.response(200, ReflectionSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """List reflections (students: theirs; facilitators: their offerings'; managers: all)"""
        return services.list_reflections(current_user, filters, pagination_parameters)

    @blp.signed_in(Role.STUDENT)
    @blp.arguments(ReflectionCreateSchema)
    @blp.response(201, ReflectionSchema)
    @blp.alt_response(409, response="DEFAULT_ERROR", description="Already reflected (names it)")
    def post(self, data):
        """Submit your reflection on an offering you are enrolled in (once per offering)"""
        return services.submit(current_user, data)


@blp.route("/<id:reflection_id>")
class ReflectionItem(MethodView):
    @blp.signed_in()
    @blp.response(200, ReflectionSchema)
    @blp.alt_response(404, response="DEFAULT_ERROR", description="Missing, or not yours to read")
    def get(self, reflection_id):
        """Read one reflection (as for the list)"""
        return services.get_reflection(current_user, reflection_id)


@blp.route("/summary")
class ReflectionSummary(MethodView):
    @blp.signed_in(Role.MANAGER)
    @cached(*REFLECTION_TABLES, managers_share=True)
    @blp.arguments(ReflectionQuerySchema, location="query")
    @blp.response(200, ReflectionSummarySchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """Per offering: reflections received, average rating, response rate, non-respondents"""
        return services.summary(filters, pagination_parameters)
