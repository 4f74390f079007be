"""`/admin/dashboard/`: the managers' static dashboard page (see app.static_pages)."""

from app.config import PROJECT_ROOT
from app.static_pages import static_page

blp = static_page("admin_dashboard", PROJECT_ROOT / "admin_dashboard", "/admin/dashboard")
