"""`/facilitator/`: the facilitators' static page for filing weekly logs (see
app.api.static_pages)."""

from app.api.static_pages import static_page
from app.config import PROJECT_ROOT

blp = static_page("facilitator_page", PROJECT_ROOT / "facilitator_page", "/facilitator")
