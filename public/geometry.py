"""The world map's geometry: the countries of the vendored @svg-maps/world map (MapSVG's world map,
CC BY 4.0; see alliance/static/vendor/svg-maps-world/README.md), simplified so that the page stays small.

The vendored SVG holds one path per country, its `id` the ISO 3166-1 alpha-2 code (Kosovo: `xk`),
drawn with relative moves and implicit line segments only (`m x,y dx,dy ... z`). Each outline is
simplified with Douglas-Peucker, islands too small to see are left out (a country always keeps its
largest outline), and coordinates are rounded to a tenth of a unit. Read and simplified once per
process (about half a second), then kept.
"""

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders

SOURCE = "vendor/svg-maps-world/world.svg"
# Douglas-Peucker tolerance, in map units (the map is 1,010 units wide: about a pixel on a desktop).
TOLERANCE = 0.35
# Outlines (islands) smaller than this many square units are left out, but a country's largest.
MIN_RING_AREA = 0.8
# A country whose outline covers a box smaller than this many square units is hard to see (a few
# pixels on a desktop, less on a phone): the map marks it with a circle as well.
SMALL_BOX_AREA = 30.0

Point = tuple[float, float]
Ring = list[Point]

_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2, upper case (XK for Kosovo)
    name: str  # as the map names it (the pages use the Alliance's own names)
    path: str  # simplified SVG path data, absolute first point then relative segments
    centre: Point  # of its bounding box: where its circle goes when it is small
    small: bool


@dataclass(frozen=True)
class WorldMap:
    width: float
    height: float
    countries: dict[str, Country]


def parse_rings(data: str) -> list[Ring]:
    """The closed outlines of a path made of relative moves, implicit lines and closes."""
    tokens = _TOKEN.findall(data)
    rings: list[Ring] = []
    x = y = 0.0
    start: Point = (0.0, 0.0)
    index = 0
    while index < len(tokens):
        command = tokens[index]
        index += 1
        if command in ("z", "Z"):
            x, y = start
            continue
        if command != "m":
            raise ValueError(f"Unexpected path command {command!r}: the map uses m and z only.")
        ring: Ring = []
        while index + 1 < len(tokens) and not tokens[index].isalpha():
            x += float(tokens[index])
            y += float(tokens[index + 1])
            index += 2
            ring.append((x, y))
        if ring:
            start = ring[0]
            rings.append(ring)
    return rings


def ring_area(ring: Ring) -> float:
    """The area inside a closed outline (shoelace formula)."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        total += x0 * y1 - x1 * y0
    return abs(total) / 2


def _simplify_line(points: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker on an open line: its ends and the points further than `tolerance` from it."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    spans = [(0, len(points) - 1)]
    while spans:
        first, last = spans.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        farthest, distance = -1, -1.0
        for index in range(first + 1, last):
            px, py = points[index]
            gap = abs(dy * px - dx * py + bx * ay - by * ax) / length if length else math.hypot(px - ax, py - ay)
            if gap > distance:
                farthest, distance = index, gap
        if distance > tolerance:
            keep[farthest] = True
            spans += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def simplify_ring(ring: Ring, tolerance: float = TOLERANCE) -> Ring:
    """A closed outline simplified as two open halves, so that its shape survives (at least a triangle)."""
    if len(ring) <= 4:
        return list(ring)
    half = len(ring) // 2
    simplified = (
        _simplify_line(ring[: half + 1], tolerance)[:-1] + _simplify_line(ring[half:] + ring[:1], tolerance)[:-1]
    )
    return simplified if len(simplified) >= 3 else ring[:: max(1, len(ring) // 3)][:3]


def _number(value: float) -> str:
    """A coordinate to a tenth, as short as SVG allows: 12.0 -> "12", -0.3 -> "-.3"."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        return "0"
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def _pair(dx: str, dy: str) -> str:
    return dx + ("" if dy.startswith("-") else " ") + dy


def path_data(rings: list[Ring]) -> str:
    """SVG path data for closed outlines: an absolute move, then relative lines on a 0.1 grid."""
    parts = []
    for ring in rings:
        gx, gy = round(ring[0][0], 1), round(ring[0][1], 1)
        steps = []
        for x, y in ring[1:]:
            nx, ny = round(x, 1), round(y, 1)
            if (nx, ny) == (gx, gy):
                continue
            steps.append(_pair(_number(nx - gx), _number(ny - gy)))
            gx, gy = nx, ny
        line = "".join(step if index == 0 or step.startswith("-") else " " + step for index, step in enumerate(steps))
        parts.append("M" + _pair(_number(ring[0][0]), _number(ring[0][1])) + ("l" + line if line else "") + "z")
    return "".join(parts)


def simplify_country(rings: list[Ring]) -> tuple[list[Ring], Point, bool]:
    """The outlines kept (simplified), the centre of the country's box, and whether it is small."""
    largest = max(rings, key=ring_area)
    kept = [simplify_ring(ring) for ring in rings if ring is largest or ring_area(ring) >= MIN_RING_AREA]
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    centre = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    box = (max(xs) - min(xs)) * (max(ys) - min(ys))
    # The main outline's box: a country with far-flung islands is not large for them.
    lx = [x for x, _ in largest]
    ly = [y for _, y in largest]
    main_box = (max(lx) - min(lx)) * (max(ly) - min(ly))
    if main_box < SMALL_BOX_AREA:
        centre = ((min(lx) + max(lx)) / 2, (min(ly) + max(ly)) / 2)
    return kept, centre, min(box, main_box) < SMALL_BOX_AREA


def read_map(svg: str) -> WorldMap:
    """Every country of the vendored map, simplified."""
    root = ET.fromstring(svg)  # noqa: S314 - the vendored file of this repository, not user input
    _, _, width, height = (float(part) for part in root.attrib["viewBox"].split())
    countries: dict[str, Country] = {}
    for element in root.iter(f"{SVG_NS}path"):
        code = element.attrib["id"].upper()
        rings = [ring for ring in parse_rings(element.attrib["d"]) if len(ring) >= 3]
        if not rings:
            continue
        kept, centre, small = simplify_country(rings)
        countries[code] = Country(code, element.attrib.get("aria-label", code), path_data(kept), centre, small)
    return WorldMap(width, height, countries)


@lru_cache(maxsize=1)
def world_map() -> WorldMap:
    """The simplified map, read once per process from the vendored file."""
    found = finders.find(SOURCE)
    if not isinstance(found, str):
        raise FileNotFoundError(
            f"alliance/static/{SOURCE} is missing: see alliance/static/vendor/svg-maps-world/README.md"
        )
    return read_map(Path(found).read_text(encoding="utf-8"))
