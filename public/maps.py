"""The world map of the members, as inline SVG: no script, colours by CSS class (public.css).

Each member is a link to its page holding its country's `<path>` with a `<title>` (the tooltip)
and an accessible name saying where its report stands; a member too small to see is also marked
with a circle, drawn last so that no neighbour hides it. The other countries are one decorative
path behind them. The page gives the same in a table (the map's text alternative) and a legend.
"""

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .geometry import world_map

# Radius of the circle marking a small member, in map units (the map is 1,010 units wide).
MARK_RADIUS = 4.5


def state_class(state: str) -> str:
    """The CSS class of a report state (public.css colours the map and the legend by it)."""
    return "st-" + state.replace("_", "-")


def member_map_svg(members: list[tuple[str, str, str, str]], *, title: str) -> tuple[SafeString, int]:
    """The map of `members` (ISO code, name, report state, words for its accessible name), and how
    many of them are drawn (a member whose code the map does not know is not)."""
    geometry = world_map()
    drawn = {member[0] for member in members if member[0] in geometry.countries}
    background = "".join(country.path for code, country in sorted(geometry.countries.items()) if code not in drawn)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="world-map" viewBox="0 0 {geometry.width:g} '
        f'{geometry.height:g}" role="group" aria-labelledby="world-map-title">',
        f'<title id="world-map-title">{escape(title)}</title>',
        f'<path class="land" aria-hidden="true" d="{background}"/>',
    ]
    known = [member for member in members if member[0] in geometry.countries]
    # Small members last: their circles are then drawn over every other country.
    for code, _name, state, words in sorted(known, key=lambda member: geometry.countries[member[0]].small):
        country = geometry.countries[code]
        href = reverse("public:member", args=[code])
        shapes = f'<path d="{country.path}"><title>{escape(words)}</title></path>'
        if country.small:
            x, y = country.centre
            shapes += f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="{MARK_RADIUS}"/>'
        parts.append(
            f'<a href="{escape(href)}" class="member {state_class(state)}" data-iso="{escape(code)}" '
            f'aria-label="{escape(words)}">{shapes}</a>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts)), len(drawn)  # noqa: S308 - every text above is escaped
