"""The fixed colours and status styles every report uses, so a colour means the same side everywhere.

Colours follow the usual conventions of conflict maps of Syria (opposition green, government red,
SDF yellow) and stay distinguishable in greyscale print where possible; sides outside the
vocabulary fall back to `unknown` grey rather than raising, so a new side never breaks a report.
"""

from __future__ import annotations

SIDE_COLOURS: dict[str, str] = {
    "opposition": "#2e8b3e",  # green
    "government": "#d62728",  # red
    "sdf": "#f2c300",  # yellow
    "isis": "#222222",  # black
    "turkey": "#17a2b8",  # teal
    "israel": "#1f5fbf",  # blue
    "russia": "#8c564b",  # brown
    "usa": "#3f3fa0",  # indigo
    "other": "#ff7f0e",  # orange
    "contested": "#9b87b5",  # grey-purple
    "unknown": "#a0a0a0",  # grey
}
SIDE_ORDER = list(SIDE_COLOURS)

# How each control_daily status is drawn. `edge`/`lw`/`ls` style map markers; `hatch` marks
# timeline cells; `tint` lightens the side colour (carried days are inferred, not observed).
STATUS_STYLES: dict[str, dict] = {
    "confirmed": {"edge": "#000000", "lw": 1.6, "ls": "solid", "hatch": None, "tint": 0.0,
                  "label": "confirmed (2+ publishers)"},
    "reported": {"edge": "#000000", "lw": 0.8, "ls": "solid", "hatch": None, "tint": 0.0,
                 "label": "reported (1 publisher)"},
    "claimed": {"edge": "#333333", "lw": 1.0, "ls": "dashed", "hatch": "///", "tint": 0.0,
                "label": "claimed by a party"},
    "disputed": {"edge": "#6a0dad", "lw": 2.0, "ls": "solid", "hatch": "xxx", "tint": 0.0,
                 "label": "disputed (sources disagree)"},
    "baseline": {"edge": "#555555", "lw": 0.8, "ls": "dotted", "hatch": "..", "tint": 0.35,
                 "label": "baseline (state before the corpus)"},
    "carried": {"edge": "#777777", "lw": 0.5, "ls": "solid", "hatch": None, "tint": 0.5,
                "label": "carried (no new evidence that day)"},
}
UNKNOWN_STATUS = {"edge": "#777777", "lw": 0.5, "ls": "solid", "hatch": None, "tint": 0.3, "label": "other"}


def side_colour(side: str | None) -> str:
    return SIDE_COLOURS.get((side or "unknown").strip().lower(), SIDE_COLOURS["unknown"])


def status_style(status: str | None) -> dict:
    return STATUS_STYLES.get((status or "").strip().lower(), UNKNOWN_STATUS)


def hex_to_rgb(colour: str) -> tuple[float, float, float]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def tinted(colour: str, tint: float) -> tuple[float, float, float]:
    """Blend towards white by `tint` (0 = the colour, 1 = white)."""
    r, g, b = hex_to_rgb(colour)
    return (r + (1 - r) * tint, g + (1 - g) * tint, b + (1 - b) * tint)


def tinted_hex(colour: str, tint: float) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in tinted(colour, tint))


def marker_alpha(confidence: float | None) -> float:
    """Fill opacity: confident states are solid, decayed or weak ones fade but stay visible."""
    if confidence is None:
        return 0.6
    return round(0.3 + 0.7 * max(0.0, min(1.0, float(confidence))), 3)
