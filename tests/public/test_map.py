"""The world map: every member drawn (Kosovo too) and named, coloured by where its report stands in
the latest published cycle, small enough to send, with a table saying the same."""

import re

import pytest
from django.test import Client

from commitments.reference import MEMBERS
from public.geometry import parse_rings, path_data, ring_area, simplify_ring, world_map
from reports.models import CompiledReport

MAP_LIMIT_BYTES = 200_000


def svg_of(html: str) -> str:
    found = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="world-map".*?</svg>', html, re.S)
    assert found is not None, "no map on the page"
    return found.group(0)


def test_the_vendored_map_has_every_member_kosovo_included() -> None:
    countries = world_map().countries
    assert [m.iso_code for m in MEMBERS if m.iso_code not in countries] == []
    assert countries["XK"].name == "Kosovo"
    # Members too small to see are marked with a circle.
    assert {code for code in ("MT", "LU", "XK", "CY") if countries[code].small} == {"MT", "LU", "XK", "CY"}
    assert not countries["FR"].small


def test_a_simplified_outline_keeps_its_shape() -> None:
    square = parse_rings("m 0,0 5,0.01 5,-0.01 0,10 -10,0 z")[0]
    assert square == [(0, 0), (5, 0.01), (10, 0), (10, 10), (0, 10)]
    simplified = simplify_ring(square, tolerance=0.35)
    assert simplified == [(0, 0), (10, 0), (10, 10), (0, 10)]
    assert ring_area(simplified) == pytest.approx(100)
    assert path_data([simplified]) == "M0 0l10 0 0 10-10 0z"


def test_the_map_page_draws_all_54_members_named_and_coloured(alliance: None, client: Client) -> None:
    html = client.get("/alliance/map/").content.decode()
    svg = svg_of(html)
    assert len(svg.encode()) < MAP_LIMIT_BYTES
    members = re.findall(r'<a href="/alliance/members/([A-Z]{2})/" class="member ([a-z-]+)" data-iso="\1"', svg)
    assert len(members) == 54
    assert "XK" in {code for code, _ in members}
    # Each member: a path with a title, in a link with an accessible name.
    assert len(re.findall(r'aria-label="[^"]+: No report published yet"><path d="[^"]+"><title>', svg)) == 54
    assert svg.count("<circle") == 4  # Cyprus, Kosovo, Luxembourg, Malta
    # Nothing the strict CSP would refuse: no script, no inline style or event handler.
    assert "<script" not in html
    assert " style=" not in html
    assert " onclick" not in html.lower()
    # The table alternative and the legend.
    assert len(re.findall(r'<th scope="row"><a href="/alliance/members/[A-Z]{2}/">', html)) == 54
    assert "No report published yet: 54" in html


def test_the_map_colours_each_member_by_its_report_in_the_latest_published_cycle(
    client: Client, published: CompiledReport
) -> None:
    svg = svg_of(client.get("/alliance/map/").content.decode())
    states = {code: state for state, code in re.findall(r'class="member st-([a-z-]+)" data-iso="([A-Z]{2})"', svg)}
    assert len(states) == 54
    assert states["FR"] == "accepted"
    assert states["XK"] == "not-submitted"
    assert list(states.values()).count("not-submitted") == 53
    assert 'aria-label="France: Accepted"' in svg
