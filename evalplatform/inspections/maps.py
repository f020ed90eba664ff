"""The engagement's field map: sites, inspections and geotagged photos on a local plot (no tile server)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from ..engagements.models import Engagement
from ..evidence import service as evidence_service
from .runs import list_inspections


@dataclass(frozen=True)
class MapPoint:
    kind: str  # site | inspection | photo
    label: str
    latitude: Decimal
    longitude: Decimal
    x: float = 0.0
    y: float = 0.0
    inspection_id: int | None = None
    evidence_id: int | None = None


def map_points(
    session: Session, engagement: Engagement, width: int = 800, height: int = 520, margin: int = 40
) -> list[MapPoint]:
    """Sites, inspections (where GPS was taken) and geotagged photos, placed on a local equirectangular
    plot (no tile server): x grows east, y grows south, the box keeps its aspect ratio."""
    raw: list[MapPoint] = [
        MapPoint("site", s.name, s.latitude, s.longitude)
        for s in engagement.sites
        if s.latitude is not None and s.longitude is not None
    ]
    raw += [
        MapPoint("inspection", f"{i.site.name} {i.started_at:%Y-%m-%d}", i.latitude, i.longitude, inspection_id=i.id)
        for i in list_inspections(session, engagement)
        if i.latitude is not None and i.longitude is not None
    ]
    raw += [
        MapPoint("photo", f"{e.code} {e.original_filename}", e.latitude, e.longitude, evidence_id=e.id)
        for e in evidence_service.evidence_index(session, engagement)
        if e.latitude is not None and e.longitude is not None
    ]
    if not raw:
        return []
    lats, lons = [float(p.latitude) for p in raw], [float(p.longitude) for p in raw]
    span_x = max(max(lons) - min(lons), 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    left = margin + ((width - 2 * margin) - span_x * scale) / 2
    top = margin + ((height - 2 * margin) - span_y * scale) / 2
    return [
        MapPoint(
            p.kind,
            p.label,
            p.latitude,
            p.longitude,
            x=round(left + (float(p.longitude) - min(lons)) * scale, 1),
            y=round(top + (max(lats) - float(p.latitude)) * scale, 1),
            inspection_id=p.inspection_id,
            evidence_id=p.evidence_id,
        )
        for p in raw
    ]
