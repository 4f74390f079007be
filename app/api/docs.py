"""The way in: `/` points to the API documentation, whose Swagger UI assets are served by the
app itself, so `/docs` works with no internet access."""

from flask import Blueprint, current_app, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from app.config import PROJECT_ROOT

blp = Blueprint("docs_assets", __name__)


@blp.get("/")
def index():
    """Where to go from here, for a person or a program that opened the bare address."""
    return {
        "name": current_app.config["API_TITLE"],
        "links": {
            "docs": "/docs",
            "openapi": "/openapi.json",
            "health": "/health",
            "reflection": "/reflection/",
        },
    }


@blp.get("/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


@blp.get("/favicon.ico")
def favicon():
    """The platform's icon (the dashboard's), for the pages that declare none, such as Swagger
    UI's: browsers ask for it by this name."""
    return send_from_directory(
        PROJECT_ROOT / "admin_dashboard", "icon.svg", mimetype="image/svg+xml", max_age=86400
    )
