"""Make sure MariaDB/MySQL and Redis answer before the tests run, and create the test database.

Local servers that are installed but stopped are started; anything else fails with one line
saying what to do. Addresses come from TEST_DATABASE_URL and TEST_REDIS_URL when set.
"""

import os
import shutil
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pymysql
import redis

DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "mysql+pymysql://root:@127.0.0.1:3306/cmp_test?charset=utf8mb4"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

START_MARIADB = ["start-stop-daemon", "--start", "--oknodo", "--background", "--exec"]
START_REDIS = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
    "--save", "", "--appendonly", "no",
]  # fmt: skip


def wait_for(check, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            check()
            return True
        except Exception:
            time.sleep(0.5)
    return False


def mysql_connect():
    url = urlsplit(DATABASE_URL.replace("mysql+pymysql", "mysql"))
    return pymysql.connect(
        host=url.hostname, port=url.port or 3306, user=url.username or "root",
        password=url.password or "", connect_timeout=3,
    )  # fmt: skip


def ensure_database() -> None:
    if not wait_for(mysql_connect, 2):
        server = shutil.which("mariadbd") or shutil.which("mysqld") or "/usr/sbin/mariadbd"
        if not os.path.exists(server):
            sys.exit("MariaDB/MySQL is not answering on 127.0.0.1:3306 and is not installed: "
                     "apt-get install mariadb-server (or set TEST_DATABASE_URL).")  # fmt: skip
        print("starting MariaDB …")
        subprocess.run([*START_MARIADB, server], check=True)
        if not wait_for(mysql_connect):
            sys.exit("MariaDB was started but does not answer; see its error log.")
    name = urlsplit(DATABASE_URL).path.lstrip("/")
    with mysql_connect() as connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
    print(f"database ok: {name}")


def ensure_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    if not wait_for(client.ping, 2):
        if not shutil.which("redis-server"):
            sys.exit("Redis is not answering on 127.0.0.1:6379 and is not installed: "
                     "apt-get install redis-server (or set TEST_REDIS_URL).")  # fmt: skip
        print("starting Redis …")
        subprocess.run(START_REDIS, check=True)
        if not wait_for(client.ping):
            sys.exit("Redis was started but does not answer.")
    print("redis ok")


if __name__ == "__main__":
    ensure_database()
    ensure_redis()
