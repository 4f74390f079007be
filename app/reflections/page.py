"""`/reflection/`: the students' static reflection page (see app.api.static_pages)."""

from app.api.static_pages import static_page
from app.config import PROJECT_ROOT

blp = static_page("reflection_page", PROJECT_ROOT / "reflection_page", "/reflection")
