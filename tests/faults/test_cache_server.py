"""The response cache on a Redis of its own (CACHE_REDIS_URL), small and evicting, or stopped:
whatever it drops or cannot answer is a miss, never a stale answer, a lost write or a 5xx. Both
Redis servers are the test's own."""

import time

import pytest
import redis
from prometheus_client import REGISTRY

from tests.conftest import RedisServer, free_port

OFFERINGS = "/api/v1/course-offerings"
RETRY_SECONDS = 0.5
METRICS_TOKEN = "a-scraper-token-of-at-least-32-characters"
SMALL_AND_EVICTING = ("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru")


@pytest.fixture
def cache_server():
    server = RedisServer(free_port(), SMALL_AND_EVICTING)
    server.start()
    yield server
    if server.process:
        server.stop()


@pytest.fixture
def split_app(app_with, private_redis, cache_server):
    """The app with the durable Redis and the cache's Redis on two servers of the test's own."""
    return app_with(
        REDIS_URL=private_redis.url,
        CACHE_REDIS_URL=cache_server.url,
        CACHE_RETRY_SECONDS=RETRY_SECONDS,
        RATE_LIMIT_PER_USER="100000 per minute",
        METRICS_TOKEN=METRICS_TOKEN,
    )


@pytest.fixture
def offerings(create_offering) -> list[int]:
    return [create_offering()["id"] for _ in range(30)]


def hits() -> float:
    return REGISTRY.get_sample_value("cmp_cache_lookups_total", {"result": "hit"}) or 0


def evicted(server: RedisServer) -> int:
    return redis.Redis.from_url(server.url).info("stats")["evicted_keys"]


def move_capacity(client, headers, offering_id: int, capacity: int) -> None:
    changed = client.patch(f"{OFFERINGS}/{offering_id}", json={"max_students": capacity},
                           headers=headers)  # fmt: skip
    assert changed.status_code == 200, changed.json


def capacities(response) -> dict[int, int]:
    assert response.status_code == 200, response.json
    return {offering["id"]: offering["max_students"] for offering in response.json}


def test_a_full_cache_evicts_and_every_read_stays_fresh(
    split_app, cache_server, offerings, manager, auth_headers
):
    """Over a thousand distinct pages on a 2 MB cache, with a capacity changed every 25 reads:
    every answer after a change shows it, nothing fails, and the cache evicted to make room."""
    client, headers = split_app.test_client(), auth_headers(manager)
    expected = {offering_id: 30 for offering_id in offerings}
    statuses = set()

    for number in range(1200):
        if number % 25 == 0:
            changed = offerings[number // 25 % len(offerings)]
            expected[changed] = 31 + number // 25
            move_capacity(client, headers, changed, expected[changed])
        page_size = 30 + number % 70  # every offering on one page, under a thousand names
        response = client.get(f"{OFFERINGS}?page_size={page_size}&page=1&x={number // 70}",
                              headers=headers)  # fmt: skip
        statuses.add(response.status_code)
        assert capacities(response) == expected

    assert statuses == {200}
    assert (evictions := evicted(cache_server)) > 0
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    lines = scraped.get_data(as_text=True).splitlines()
    families = {line.split(" ")[0]: float(line.split(" ")[-1]) for line in lines if line[0] != "#"}
    assert families["cmp_cache_evictions_total"] >= evictions
    assert families['cmp_dependency_up{name="cache"}'] == 1
    health = client.get("/health").json
    assert (health["status"], health["checks"]["cache"]) == ("ok", "ok")


def test_reads_and_writes_go_on_while_the_cache_server_is_down(
    split_app, cache_server, offerings, manager, auth_headers
):
    client, headers = split_app.test_client(), auth_headers(manager)
    first = offerings[0]
    assert capacities(client.get(f"{OFFERINGS}/{first}", headers=headers) and
                      client.get(OFFERINGS, headers=headers))[first] == 30  # fmt: skip

    cache_server.stop()
    move_capacity(client, headers, first, 41)
    during = [client.get(OFFERINGS, headers=headers) for _ in range(5)]
    health = client.get("/health").json

    assert [capacities(response)[first] for response in during] == [41] * 5
    assert (health["status"], health["checks"]["cache"]) == ("degraded", "unavailable")

    cache_server.start()
    time.sleep(RETRY_SECONDS)  # the app leaves a failed cache server alone this long
    move_capacity(client, headers, first, 42)
    client.get(OFFERINGS, headers=headers)  # stored again
    hits_before = hits()
    after = [client.get(OFFERINGS, headers=headers) for _ in range(3)]

    assert [capacities(response)[first] for response in after] == [42] * 3
    assert hits() > hits_before  # caching resumed
    assert redis.Redis.from_url(cache_server.url).dbsize() > 0


def test_a_cache_server_refusing_writes_costs_no_answer(
    split_app, cache_server, offerings, manager, auth_headers
):
    """Out of memory under `noeviction` (a misconfigured cap), the cache refuses every entry:
    answers are computed each time and stay fresh."""
    client, headers = split_app.test_client(), auth_headers(manager)
    full = redis.Redis.from_url(cache_server.url)
    full.config_set("maxmemory-policy", "noeviction")
    full.config_set("maxmemory", 1)

    move_capacity(client, headers, offerings[0], 43)
    reads = [client.get(OFFERINGS, headers=headers) for _ in range(3)]
    health = client.get("/health").json

    assert [capacities(response)[offerings[0]] for response in reads] == [43] * 3
    assert (health["status"], health["checks"]["cache"]) == ("degraded", "unavailable")
