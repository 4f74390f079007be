"""`/admin/dashboard/`: the managers' static dashboard page (see app.api.static_pages)."""

from app.api.static_pages import static_page
from app.config import PROJECT_ROOT

blp = static_page("admin_dashboard", PROJECT_ROOT / "admin_dashboard", "/admin/dashboard")
