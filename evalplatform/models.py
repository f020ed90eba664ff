"""Imports every domain's models so the metadata is complete (Alembic, create_all in tools)."""

from sqlalchemy import Select, select

from .accounts import models as _accounts  # noqa: F401
from .audit import models as _audit  # noqa: F401
from .bureau import models as _bureau  # noqa: F401
from .crosscheck import models as _crosscheck  # noqa: F401
from .db import Base
from .engagements import models as _engagements  # noqa: F401
from .evidence import models as _evidence  # noqa: F401
from .indicators import models as _indicators  # noqa: F401
from .inspections import models as _inspections  # noqa: F401
from .instruments import models as _instruments  # noqa: F401
from .materials import models as _materials  # noqa: F401
from .questionnaires import models as _questionnaires  # noqa: F401
from .reporting import models as _reporting  # noqa: F401

metadata = Base.metadata


def blob_holders() -> list[Select]:
    """Blob hashes that rows outside evidence/ still need, for the evidence sweep: a draft rendering's PDF,
    and an import draft still being mapped or reviewed (its file becomes evidence only when committed)."""
    return [
        select(_reporting.RenderJob.pdf_sha256).where(_reporting.RenderJob.pdf_sha256.is_not(None)),
        select(_materials.ImportDraft.blob_sha256).where(
            _materials.ImportDraft.status.in_(_materials.OPEN_DRAFT_STATES)
        ),
    ]
