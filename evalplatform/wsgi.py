"""The WSGI entry point for gunicorn (scripts/run.sh): `gunicorn -c python:evalplatform.gunicorn_conf evalplatform.wsgi:app`."""

from . import create_app

app = create_app()
