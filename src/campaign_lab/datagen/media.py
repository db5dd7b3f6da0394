"""Campaign images, one doctored copy, and a provenance manifest with SHA-256 hashes.

The campaign's own images go in ``media/``; ``manifest.json`` there lists each
with its hash, size and description. ``media/received/`` holds what arrived
from outside: a copy of the pledge image whose words were changed. It keeps the
original's file name, so only the hash (and a careful look) gives it away.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from campaign_lab.datagen._common import long_date
from campaign_lab.datagen.model import PopulationModel, place_name
from campaign_lab.datagen.texts import PLATFORM_BUDGET_RISE

SIZE = (960, 540)
# Okabe-Ito colour-blind-safe palette.
BLUE, ORANGE, GREEN, YELLOW, WHITE, BLACK = "#0072B2", "#E69F00", "#009E73", "#F0E442", "#FFFFFF", "#000000"


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width:
            line = trial
        else:
            lines.append(line)
            line = word
    return lines + [line] if line else lines


def _card(background: str, title: str, body: str, footer: str, accent: str) -> Image.Image:
    """A simple campaign card: a title, a wrapped message, a footer and a coloured band."""
    image = Image.new("RGB", SIZE, background)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, SIZE[1] - 70, SIZE[0], SIZE[1]], fill=accent)
    draw.ellipse([SIZE[0] - 190, 40, SIZE[0] - 50, 180], fill=accent)
    draw.text((50, 50), title, font=_font(46), fill=WHITE)
    y = 150
    for line in _wrap(draw, body, _font(34), SIZE[0] - 280):
        draw.text((50, y), line, font=_font(34), fill=WHITE)
        y += 46
    draw.text((50, SIZE[1] - 52), footer, font=_font(24), fill=BLACK)
    return image


def _png_bytes(image: Image.Image, metadata: dict[str, str] | None) -> bytes:
    info = PngInfo()
    for key, value in (metadata or {}).items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, optimize=False)
    return buffer.getvalue()


def _images(model: PopulationModel) -> list[dict]:
    p = model.profile
    sponsor = f"Paid for by the {p.candidate.name} campaign"
    issue = p.issues[0]
    return [
        {
            "file": "poster_launch.png",
            "image": _card(BLUE, p.candidate.name, p.candidate.slogan, f"{sponsor}. Vote {long_date(p.calendar.election_day)}.", ORANGE),
            "description": "Campaign launch poster with the candidate's name and slogan.",
        },
        {
            "file": "pledge.png",
            "image": _card(GREEN, f"Pledge C01: {issue}", f"We will raise the budget for {issue} by {PLATFORM_BUDGET_RISE}% in the first year.", sponsor, YELLOW),
            "description": f"Pledge card: a {PLATFORM_BUDGET_RISE}% budget rise for {issue}.",
        },
        {
            "file": "youth_forum.png",
            "image": _card(BLUE, "Youth forum", f"First-time voters: meet {p.candidate.name} in {p.constituency.wards[1].name}. Bring your questions.", sponsor, GREEN),
            "description": "Invitation to the youth forum.",
        },
    ]


def _doctored(model: PopulationModel) -> Image.Image:
    """The pledge card with its promise reversed, pasted over on a slightly different green."""
    issue = model.profile.issues[0]
    image = _images(model)[1]["image"].copy()
    draw = ImageDraw.Draw(image)
    draw.rectangle([44, 144, SIZE[0] - 230, 340], fill="#049E72")
    y = 150
    for line in _wrap(draw, f"We will cut the budget for {issue} in half in the first year.", _font(34), SIZE[0] - 280):
        draw.text((50, y), line, font=_font(34), fill=WHITE)
        y += 46
    return image


def write_media(model: PopulationModel, folder: Path) -> list[Path]:
    """Write the images, the doctored copy and ``manifest.json``; return the paths written."""
    p = model.profile
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "received").mkdir(exist_ok=True)
    created = p.calendar.campaign_start.isoformat()
    entries, written = [], []
    for item in _images(model):
        metadata = {"Author": f"{p.candidate.name} campaign", "Description": item["description"], "Creation Time": created}
        data = _png_bytes(item["image"], metadata)
        path = folder / item["file"]
        path.write_bytes(data)
        written.append(path)
        entries.append(
            {
                "file": item["file"],
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
                "width": SIZE[0],
                "height": SIZE[1],
                "created": created,
                "creator": f"{p.candidate.name} campaign",
                "ai_generated": False,
                "description": item["description"],
            }
        )
    doctored = folder / "received" / "pledge.png"
    doctored.write_bytes(_png_bytes(_doctored(model), None))
    manifest = {
        "campaign": f"{p.candidate.name} campaign, {place_name(p)}",
        "note": "Hashes of the campaign's own published images. A file whose SHA-256 differs from this list is not the campaign's original.",
        "files": entries,
    }
    manifest_path = folder / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written + [doctored, manifest_path]
