"""The bare endpoint every scenario is compared with: Flask returning a small JSON body, served
by gunicorn with exactly the settings the app gets, so the ratio measures our own work."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def bare():
    return {"status": "ok", "service": "bare"}
