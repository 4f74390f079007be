"""The floor under a cached answer: what any admission through the app's libraries costs, with
none of the app's own work. A bare Flask endpoint, served like the app, verifies the bearer token
with flask-jwt-extended (the app's secret, so the manager's real token passes) and makes one
Redis round trip of the kind a cache hit makes: the token's revocation keys, a rate-limit counter
and a stored answer of the same size, returned as it is (the app's carries the tables'
generations and the caller's identity too). No identity, role, policy or unit of work: a cache
hit of the app cannot be cheaper than this on the machine.
"""

import os

import redis
from flask import Flask, Response, g
from flask_jwt_extended import JWTManager, verify_jwt_in_request

ANSWER = "bench:hit-floor:answer"
# About the size of one offering's answer.
ANSWER_BYTES = 1100

app = Flask(__name__)
app.config.update(JWT_SECRET_KEY=os.environ["JWT_SECRET_KEY"], JWT_TOKEN_LOCATION=["headers"])
jwt = JWTManager(app)
store = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)


def token_check_round_trip(
    redis_client, payload: dict, entry_key: str
) -> tuple[bool, bytes | None]:
    """The app's token check in one Redis round trip: the token's revocation keys, the caller's
    rate-limit counter, and the entry the cache keeps under `entry_key`. Returns whether the
    token is revoked, and the entry (None if there is none)."""
    counter = f"bench:floor-counter:{payload['sub']}"
    pipeline = redis_client.pipeline(transaction=False)
    pipeline.exists(f"bench:revoked:{payload['jti']}", f"bench:revoked:{payload.get('sid')}")
    pipeline.incr(counter)
    pipeline.expire(counter, 60, nx=True)
    pipeline.ttl(counter)
    pipeline.get(entry_key)
    exists, *_counted, entry = pipeline.execute()
    return bool(exists), entry


@jwt.token_in_blocklist_loader
def revoked(_header: dict, payload: dict) -> bool:
    is_revoked, g.answer = token_check_round_trip(store, payload, ANSWER)
    return is_revoked


@app.get("/")
def ready():
    store.set(ANSWER, b'{"answer": "' + b"x" * (ANSWER_BYTES - 14) + b'"}')
    return {"status": "ok"}


@app.get("/answer")
def answer():
    verify_jwt_in_request()
    return Response(g.answer, content_type="application/json")
