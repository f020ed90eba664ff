"""Factories: valid objects in one call, overriding only what a test is about."""

from __future__ import annotations

import contextlib
import functools
import itertools
from datetime import datetime, timezone
from decimal import Decimal

from evalplatform.accounts import service as accounts
from evalplatform.accounts.models import LoginAttempt
from evalplatform.engagements import commissions
from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import EngagementKind
from evalplatform.instruments import service as instruments
from evalplatform.reporting import service as reporting
from evalplatform.reporting.models import RenderJobStatus, ReportStatus, ReportVersion

PASSWORD = "correct-horse-1"
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
_seq = itertools.count(1)


def firm(session, name=None):
    return accounts.get_or_create_firm(session, name or f"事务所{next(_seq)}")


def bureau(session, name=None):
    return accounts.get_or_create_bureau(session, name or f"财政局{next(_seq)}")


@functools.cache
def _password_hash(password: str) -> str:
    return _real_hash_password(password)


_real_hash_password = accounts.hash_password


@contextlib.contextmanager
def _one_hash_per_password():
    """scrypt costs ~0.1 s a call by design; test users share one hash per password (salt and all)."""
    accounts.hash_password = _password_hash
    try:
        yield
    finally:
        accounts.hash_password = _real_hash_password


def user(session, role="evaluator", *, firm=None, bureau=None, username=None, password=PASSWORD):
    with _one_hash_per_password():
        return accounts.create_user(
            session, username=username or f"{role}{next(_seq)}", password=password, role=role, firm=firm, bureau=bureau
        )


def commission(session, bureau, firm, *, title=None, fiscal_year=2025):
    """An accepted commission (委托) of `firm` by `bureau`, as the bureau gives it."""
    return commissions.commission_firm(
        session, bureau, firm.name, title or f"委托项目{next(_seq)}", fiscal_year, None, NOW
    )


def engagement_fields(**overrides) -> engagements.EngagementFields:
    values = dict(
        title=f"农村公路项目绩效评价{next(_seq)}",
        evaluated_unit_name="某县交通运输局",
        kind=EngagementKind.project,
        fiscal_year=2025,
        budget_amount=Decimal("1000000.00"),
    )
    values.update(overrides)
    return engagements.EngagementFields(**values)


def engagement(session, actor, bureau, **overrides):
    """An engagement of the actor's firm, opened under a fresh commission from `bureau`."""
    granted = commission(
        session, bureau, actor.firm, title=overrides.get("title"), fiscal_year=overrides.get("fiscal_year", 2025)
    )
    return engagements.create_engagement(session, engagement_fields(commission_id=granted.id, **overrides), actor, NOW)


def failed_logins(session, username, ip, at, count=1):
    """Failed logins as `authenticate` records them, at a time of the test's choosing (it would refuse to record
    more than its limit at one time)."""
    attempts = [LoginAttempt(username=username, ip=ip, attempted_at=at) for _ in range(count)]
    session.add_all(attempts)
    session.flush()
    return attempts


def render_job(session, report, *, pdf_sha256, pages=None, now=NOW):
    """A finished draft rendering of the report whose PDF is the blob `pdf_sha256` (rendering itself is covered in
    tests/reporting)."""
    job = reporting.create_render_job(session, report, now)
    job.status, job.progress, job.pdf_sha256, job.pages = RenderJobStatus.done, 100, pdf_sha256, pages
    session.flush()
    return job


def issued_version(session, report, issuer, *, pdf, xlsx, version=1, total=None, grade=None, findings=None):
    """Version `version` of the report, issued over stored PDF and XLSX evidence, with the headline figures the
    portal reads; no rendering (covered in tests/reporting)."""
    issued = ReportVersion(
        report=report,
        version=version,
        issued_at=NOW,
        issued_by_id=issuer.id,
        content_sha256="a" * 64,
        pdf_evidence_id=pdf.id,
        xlsx_evidence_id=xlsx.id,
        pages=30,
        total_score=total,
        grade=grade,
        findings_by_severity=findings or {},
    )
    session.add(issued)
    report.status, report.issued_versions = ReportStatus.issued, version
    session.flush()
    return issued


def questionnaire(session, engagement, actor, template="satisfaction-rural-road"):
    """A questionnaire of the engagement made from one of the shipped templates (surveys/)."""
    return instruments.create_instrument(session, engagement, actor, NOW, instruments.load_template(template), template)


class World:
    """Two firms and two bureaus with a user of each role: the setting for access-control tests."""

    def __init__(self, session):
        self.firm, self.other_firm = firm(session), firm(session)
        self.bureau, self.other_bureau = bureau(session), bureau(session)
        self.admin = user(session, "admin", firm=self.firm)
        self.evaluator = user(session, "evaluator", firm=self.firm)
        self.reviewer = user(session, "reviewer", firm=self.firm)
        self.colleague = user(session, "evaluator", firm=self.firm)  # same firm, not on the team
        self.outsider = user(session, "evaluator", firm=self.other_firm)
        self.outsider_admin = user(session, "admin", firm=self.other_firm)
        self.bureau_user = user(session, "bureau", bureau=self.bureau)
        self.other_bureau_user = user(session, "bureau", bureau=self.other_bureau)
        self.engagement = engagement(session, self.evaluator, self.bureau)
        self.commission = commission(session, self.bureau, self.firm)  # accepted, not used yet
        session.commit()
