"""The framework's own ceiling for bench/load.py: a bare Flask app answering {"status": "ok"}, served by the
same gunicorn settings as the real one (`gunicorn --pythonpath bench _bare_flask:app`)."""

from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
