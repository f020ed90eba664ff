"""evalplatform: third-party budget performance evaluation (第三方预算绩效评价)."""

from __future__ import annotations

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """The app factory: configuration from the environment, overridden by `config`."""
    # Imports here and in _register_blueprints, not at the top: every module of the package imports this
    # __init__ first, and a worker, a script or a test of a pure module must not load every blueprint.
    from . import config as settings
    from .db import db
    from .web import init_web

    app = Flask(__name__, instance_path=str(settings._instance_dir()), instance_relative_config=False)
    app.config.update(settings.from_env(**(config or {})))
    db.init_app(app)
    from .integrity import bind_key

    bind_key(app.extensions["evalplatform.db"].engine, app.config["AUDIT_KEY"])
    init_web(app)
    from . import formatting

    formatting.register(app)
    _register_blueprints(app)
    from .analysis.sources import questionnaire_surveys

    app.extensions.setdefault("analysis.provider", questionnaire_surveys)
    from .cli import register_cli

    register_cli(app)
    from .fastpath import FastPaths

    app.wsgi_app = FastPaths(app, app.wsgi_app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .analysis.views import bp as analysis_bp
    from .bureau.views import bp as bureau_bp
    from .crosscheck.views import bp as crosscheck_bp
    from .engagements.commission_views import bp as commissions_bp
    from .engagements.views import bp as engagements_bp
    from .evidence.views import bp as evidence_bp
    from .indicators.views import bp as indicators_bp
    from .inspections.views import bp as inspections_bp
    from .instruments.views import bp as instruments_bp
    from .materials.views import bp as materials_bp
    from .questionnaires.public import bp as respond_bp
    from .questionnaires.views import bp as questionnaires_bp
    from .reporting.audit_views import bp as audit_bp
    from .reporting.views import bp as reporting_bp
    from .scoring.views import bp as scoring_bp

    for blueprint in (
        accounts_bp,
        engagements_bp,
        audit_bp,
        evidence_bp,
        reporting_bp,
        bureau_bp,
        indicators_bp,
        scoring_bp,
        instruments_bp,
        questionnaires_bp,
        respond_bp,
        materials_bp,
        crosscheck_bp,
        analysis_bp,
        inspections_bp,
        commissions_bp,
    ):
        app.register_blueprint(blueprint)
