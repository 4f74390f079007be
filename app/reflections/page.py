"""`/reflection/`: the students' static reflection page (see app.static_pages)."""

from app.config import PROJECT_ROOT
from app.static_pages import static_page

blp = static_page("reflection_page", PROJECT_ROOT / "reflection_page", "/reflection")
