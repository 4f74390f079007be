from app.auth.models import User
from app.auth.services import issue_tokens
from app.extensions import db
from tests.conftest import free_port


def test_health_is_ok_when_everything_answers(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["redis"] == "ok"
    assert response.json["version"] == "0.1.0"


def test_health_is_degraded_when_redis_stops(private_redis, app_with):
    client = app_with(REDIS_URL=private_redis.url).test_client()
    assert client.get("/health").json["status"] == "ok"

    private_redis.stop()
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    checks = response.json["checks"]
    assert (checks["database"], checks["redis"]) == ("ok", "unavailable")
    assert checks["queue"] == {"status": "unavailable"}


def test_signed_in_requests_answer_503_while_redis_is_down(private_redis, create_user, app_with):
    app = app_with(REDIS_URL=private_redis.url)
    user = create_user()
    with app.test_request_context():
        token = issue_tokens(db.session.get(User, user.id))["access_token"]
    private_redis.stop()

    response = app.test_client().get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 503
    assert response.json["status"] == "Service Unavailable"


def test_health_is_down_with_503_when_the_database_is_unreachable(app_with):
    port = free_port()  # nothing listens there
    client = app_with(
        SQLALCHEMY_DATABASE_URI=f"mysql+pymysql://root:@127.0.0.1:{port}/x"
    ).test_client()

    response = client.get("/health")

    assert response.status_code == 503
    assert response.json["status"] == "down"
    assert response.json["checks"]["database"] == "unavailable"


def test_embedded_default_needs_no_redis(app_with):
    client = app_with(REDIS_URL=None).test_client()

    assert client.get("/health").json["checks"]["redis"] == "embedded"
