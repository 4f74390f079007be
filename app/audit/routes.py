"""`/api/v1/admin/audit-events`: the audit trail, read-only (managers)."""

from flask.views import MethodView

from app.api.blueprint import Blueprint
from app.audit import services
from app.audit.schemas import AuditEventSchema, AuditQuerySchema
from app.auth.models import Role

blp = Blueprint(
    "audit", __name__, url_prefix="/api/v1/admin/audit-events", description="Audit trail"
)


@blp.route("")
class AuditEvents(MethodView):
    @blp.signed_in(Role.MANAGER)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """Who did what to which object, newest first; nothing here can change an event"""
        return services.list_events(filters, pagination_parameters)
