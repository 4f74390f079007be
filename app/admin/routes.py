"""`/api/v1/admin/…`: people, imports and exports (managers only)."""

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.admin import people
from app.admin.schemas import (
    PersonCreateSchema,
    PersonDetailSchema,
    PersonQuerySchema,
    PersonUpdateSchema,
)
from app.auth.models import Role
from app.auth.schemas import UserSchema
from app.blueprint import Blueprint
from app.pagination import DEFAULTS as PAGE

blp = Blueprint(
    "admin", __name__, url_prefix="/api/v1/admin", description="Manager-only administration"
)
MANAGER = Role.MANAGER


@blp.route("/users")
class People(MethodView):
    @blp.signed_in(MANAGER)
    @blp.arguments(PersonQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate(**PAGE)
    def get(self, filters, pagination_parameters):
        """Find people by role, activity and name, email, employee id or student number"""
        return people.list_people(filters, pagination_parameters)

    @blp.signed_in(MANAGER)
    @blp.arguments(PersonCreateSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, response="DEFAULT_ERROR", description="Email or number taken")
    def post(self, data):
        """Create a manager, facilitator or student account with its profile"""
        return people.create_person(data, current_user)


@blp.route("/users/<int:user_id>")
class Person(MethodView):
    @blp.signed_in(MANAGER)
    @blp.response(200, PersonDetailSchema)
    @blp.alt_response(404, response="DEFAULT_ERROR", description="No such account")
    def get(self, user_id):
        """One account with its profile and, for a facilitator, their current offerings"""
        return people.person_with_offerings(user_id)

    @blp.signed_in(MANAGER)
    @blp.arguments(PersonUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(404, response="DEFAULT_ERROR", description="No such account")
    @blp.alt_response(
        409, response="DEFAULT_ERROR", description="Last active manager, number taken, or a "
        "facilitator changing role while running offerings"
    )  # fmt: skip
    def patch(self, changes, user_id):
        """Change names, language, role, profile fields or is_active"""
        return people.update_person(user_id, changes, current_user)
