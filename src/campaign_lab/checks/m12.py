"""Checks for notebook 12, "Deepfakes and media provenance".

Every expected answer is computed from the profile's generated ``media`` folder
(the campaign's images, their manifest and the doctored copy), so the exercises
work for every country profile. The module also builds the scenario the
notebook works on: an "inbox" of images that reached the campaign, a demo
signing key and the steps of a response plan.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from campaign_lab import data
from campaign_lab.checks.core import (
    ChoiceExercise,
    CustomExercise,
    FunctionExercise,
    SelectionExercise,
    TargetFunctionExercise,
)
from campaign_lab.checks.solutions import from_notebook

__all__ = [
    "RESPONSE_STEPS", "RESPONSE_ORDER", "SEXUALISED_FAKE_STEPS", "NEVER", "sha256_hex", "load_manifest", "inbox", "demo_key",
    "pixels", "exercises",
]

#: The steps of a response plan, by letter; one of them does not belong in any plan.
RESPONSE_STEPS = {
    "A": "Post a short, calm correction with your own signed original, and ask supporters to share the correction, not the fake.",
    "B": "Save the evidence: screenshots, the link, the account, the date and time, and a copy of the file with its SHA-256 hash.",
    "C": "Report the post to the platform under its rules on manipulated media, with the evidence.",
    "D": "Answer with an AI-made video that shows the rival saying something shameful.",
    "E": "Tell your team and your party; where your rules make such media an offence, report it to the election authority or police; "
    "check on the candidate and give her room to step back from the screen.",
}

#: What a team might do about a sexualised fake of the candidate (Exercise 7): ``(text, why not)``, with
#: ``why not`` None for the steps that belong in the plan.
SEXUALISED_FAKE_STEPS = {
    "A": ("Ask the candidate, first, what she wants done and who may see the image; offer her support.", None),
    "B": ("Post the image blurred, with \"FAKE\" written across it, so that voters know it is false.",
          "a blurred copy is still a copy: it spreads the image and keeps it in people's minds."),
    "C": ("Save the evidence (links, accounts, times, the file's SHA-256 hash) with one person, "
          "without passing the image round the team.", None),
    "D": ("Send the image to journalists so that they see how bad the attack is.",
          "every copy you send is one more that can leak; describe the attack, never pass the image on."),
    "E": ("Report every copy to the platforms under their rule on intimate images shared without consent.", None),
    "F": ("Describe in the public correction what the image shows, so people recognise it.",
          "describing it repeats the attack; say that a fake exists and that it is reported, nothing more."),
}

#: The order in which the plan's steps come: document, report, inform, correct.
RESPONSE_ORDER = ["B", "C", "E", "A"]

#: The step that does not belong in any plan.
NEVER = "D"


# ----------------------------------------------------------------------------- the scenario


def sha256_hex(content: bytes) -> str:
    """The SHA-256 hash of some bytes, as 64 hexadecimal characters.

    Examples
    --------
    >>> sha256_hex(b"hello")[:16]
    '2cf24dba5fb0a30e'
    """
    return hashlib.sha256(content).hexdigest()


def load_manifest(campaign) -> dict:
    """The campaign's provenance manifest (``manifest.json`` of the media folder) as a dictionary."""
    return json.loads((data.load("media", campaign) / "manifest.json").read_text(encoding="utf-8"))


def _resaved(path: Path) -> bytes:
    """The same picture saved again by a program that keeps no text metadata: same pixels, other bytes."""
    buffer = io.BytesIO()
    with Image.open(path) as image:
        image.save(buffer, format="PNG")
    return buffer.getvalue()


def inbox(campaign) -> list[dict]:
    """Three images that reached the campaign this week, as ``id``, ``file``, ``came_from`` and ``content`` (bytes).

    R1 is an exact copy of an original, R2 the doctored pledge card from the
    ``received`` folder, R3 the launch poster saved again by a news website.

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> [item["id"] for item in inbox(load_profile("default"))]
    ['R1', 'R2', 'R3']
    """
    media = data.load("media", campaign)
    return [
        {"id": "R1", "file": "youth_forum.png", "came_from": "a volunteer's phone", "content": (media / "youth_forum.png").read_bytes()},
        {"id": "R2", "file": "pledge.png", "came_from": "a supporter, on a messaging app", "content": (media / "received" / "pledge.png").read_bytes()},
        {"id": "R3", "file": "poster_launch.png", "came_from": "a local news website", "content": _resaved(media / "poster_launch.png")},
    ]


def demo_key(campaign) -> Ed25519PrivateKey:
    """A fixed Ed25519 key for the checks (made from the profile's name), never a real campaign's key.

    A real key comes from ``Ed25519PrivateKey.generate()`` and stays secret.
    """
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"demo key {campaign.id}".encode("utf-8")).digest())


def pixels(path_or_bytes) -> np.ndarray:
    """An image's pixels as a ``height x width x 3`` array of numbers from 0 to 255."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with Image.open(source) as image:
        return np.asarray(image.convert("RGB"))


# ----------------------------------------------------------------------------- reference answers


class _Picture(np.ndarray):
    """A pixel array that names itself in a few words, so messages do not print every pixel."""

    def __repr__(self) -> str:
        kind = "colour" if self.ndim == 3 else "grey"
        return f"<{kind} picture, {self.shape[0]} x {self.shape[1]} pixels>"


def _not_matching(campaign) -> list[str]:
    hashes = {entry["file"]: entry["sha256"] for entry in load_manifest(campaign)["files"]}
    return [item["id"] for item in inbox(campaign) if sha256_hex(item["content"]) != hashes.get(item["file"])]


def _metadata_fields(campaign) -> tuple[list[str], list[str]]:
    """The PNG text fields of the original pledge card, and those the received copy lacks."""
    media = data.load("media", campaign)
    with Image.open(media / "pledge.png") as original, Image.open(media / "received" / "pledge.png") as received:
        fields, kept = list(original.text), set(received.text)
    return fields, [name for name in fields if name not in kept]


def _changed_box(before, after) -> tuple[int, int, int, int]:
    """Reference: ``(left, top, right, bottom)`` of the pixels that differ, right and bottom one past the edge."""
    before, after = np.asarray(before), np.asarray(after)
    changed = before != after
    if changed.ndim == 3:
        changed = changed.any(axis=2)
    rows, columns = np.nonzero(changed)
    return int(columns.min()), int(rows.min()), int(columns.max()) + 1, int(rows.max()) + 1


def _verifies(manifest_bytes: bytes, signature: bytes, public_key) -> bool:
    try:
        public_key.verify(signature, manifest_bytes)
    except InvalidSignature:
        return False
    return True


class _Named(bytes):
    """Bytes that describe themselves in a few words in messages."""

    def __new__(cls, content: bytes, words: str):
        made = super().__new__(cls, content)
        made.words = words
        return made

    def __repr__(self) -> str:
        return f"<{self.words}, {len(self):,} bytes>"

    def __reduce__(self):  # the grader sends it to a box to call a trainee's function on
        return _Named, (bytes(self), self.words)


class _NamedKey:
    """A public key that describes itself in a few words in messages; it verifies like the key it holds."""

    def __init__(self, key, words: str):
        self._key, self._words = key, words

    def verify(self, signature: bytes, content: bytes) -> None:
        """Raise ``InvalidSignature`` unless ``signature`` is this key's signature of ``content``."""
        self._key.verify(bytes(signature), bytes(content))

    def public_bytes(self, *args, **kwargs) -> bytes:
        return self._key.public_bytes(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<{self._words}>"


@dataclass(frozen=True)
class _BoxTarget:
    """A right bounding box, which can say what is wrong with a returned one."""

    box: tuple[int, int, int, int]

    def accepts(self, got) -> bool:
        return self.explain(got) is None

    def explain(self, got) -> str | None:
        """``None`` if ``got`` is the right box, else one sentence on what is wrong with it."""
        try:
            values = tuple(int(value) for value in got)
        except (TypeError, ValueError):
            return "It should return four whole numbers: (left, top, right, bottom)."
        if len(values) != 4:
            return "It should return four whole numbers: (left, top, right, bottom)."
        if values == self.box:
            return None
        left, top, right, bottom = self.box
        if values == (left, top, right - 1, bottom - 1):
            return "Its right and bottom edges are one pixel short: they should sit one past the last changed pixel, as Pillow's crop() expects."
        if values == (top, left, bottom, right):
            return "Rows and columns are swapped: left and right are column numbers, top and bottom are row numbers."
        return "The box does not match the pixels that changed."


# ----------------------------------------------------------------------------- exercises


@from_notebook
def exercises(campaign):
    """Return ``q1`` to ``q7`` for the given profile (a loaded ``Profile``)."""
    return (_q1_hashes(campaign), _q2_metadata(campaign), _q3_changed_box(campaign), _q4_signature(),
            _q5_verify(campaign), _q6_response(), _q7_sexualised_fake())


def _q1_hashes(campaign) -> SelectionExercise:
    wrong = _not_matching(campaign)
    ids = [item["id"] for item in inbox(campaign)]
    return SelectionExercise(
        name="q1",
        answer_name="not_matching",
        required=wrong,
        forbidden={item: "its SHA-256 is exactly the one in the manifest: it is the campaign's original, byte for byte." for item in ids if item not in wrong},
        allowed=ids,
        hints=[
            "Look at the column `matches_manifest` in the inbox table: `False` means the file's hash differs from the manifest's.",
            "Count every file whose hash differs, even one that looks exactly like the original on screen.",
        ],
        why="A different hash proves only that the bytes are not the ones the campaign published. "
        "It does not say what changed, or whether anything visible changed at all: that is the next step.",
    )


def _q2_metadata(campaign) -> SelectionExercise:
    fields, missing = _metadata_fields(campaign)
    kept = [name for name in fields if name not in missing]
    present = {"width": "both copies have the same width.", "height": "both copies have the same height."}
    return SelectionExercise(
        name="q2",
        answer_name="missing_metadata",
        required=missing,
        forbidden={**{name: "the received copy still has it." for name in kept}, **present},
        allowed=fields + list(present),
        hints=[
            "Read the comparison table: which rows have a value for the original and nothing for the received copy?",
            "The three text fields are written by the campaign's design tool when it saves the card. Copy their names exactly.",
        ],
        why="Metadata that vanished tells you the file went through another program. Many apps strip metadata, "
        "so on its own this proves nothing; together with the hash it tells you to look closer.",
    )


def _q3_changed_box(campaign) -> TargetFunctionExercise:
    media = data.load("media", campaign)
    original, received = pixels(media / "pledge.png"), pixels(media / "received" / "pledge.png")
    grey = np.zeros((6, 8), dtype=np.uint8)
    one = grey.copy()
    one[2, 5] = 200
    block = grey.copy()
    block[1:4, 2:7] = 30
    colour = np.zeros((5, 7, 3), dtype=np.uint8)
    tinted = colour.copy()
    tinted[3, 1:4, 2] = 4  # only the blue channel changes
    cases = [((grey, one), (5, 2, 6, 3)), ((grey, block), (2, 1, 7, 4)), ((colour, tinted), (1, 3, 4, 4)), ((original, received), _changed_box(original, received))]
    return TargetFunctionExercise(
        name="q3",
        answer_name="changed_box",
        track="deep-dive",
        cases=[(tuple(picture.view(_Picture) for picture in args), _BoxTarget(box)) for args, box in cases],
        hints=[
            "`changed = before != after` gives True where a number differs. For a colour image, "
            "`changed.any(axis=2)` says whether any of a pixel's three colours differs.",
            "`rows, columns = np.nonzero(changed)` lists where the True values are. The box runs from the smallest to the largest of each.",
            "Return `(columns.min(), rows.min(), columns.max() + 1, rows.max() + 1)`: the `+ 1` puts right and bottom one past the last changed pixel.",
        ],
        why="The computer sees a change of a few units in one colour that your eye cannot: the box shows exactly which part of the card was rewritten.",
    )


def _q4_signature() -> ChoiceExercise:
    return ChoiceExercise(
        name="q4",
        answer_name="signature_proves",
        options={
            "A": "Everything the signed images show is true.",
            "B": "The manifest comes from whoever holds the campaign's private key, and nobody has changed it since it was signed.",
            "C": "Nobody can copy the campaign's images or change them.",
            "D": "The campaign made none of its images with AI.",
        },
        correct="B",
        feedback={
            "A": "a signature says who vouches for a file, not whether its content is true. A liar can sign a lie.",
            "C": "anyone can still copy and edit the images; the signature only lets others tell the edited copy from the original.",
            "D": "the manifest says what the campaign declares about AI in its `ai_generated` field; the signature does not check that.",
        },
        hints=[
            "Think about what the check uses: the manifest's bytes, the signature and the public key. Nothing else.",
            "A signature is like a wax seal on a letter: it shows who sealed it and that it was not opened. It says nothing about whether the letter tells the truth.",
        ],
        why="A signature proves origin and integrity, not truth. That is why the campaign must also be honest about what it signs, AI labels included.",
    )


def _q5_verify(campaign) -> FunctionExercise:
    key = demo_key(campaign)
    public = _NamedKey(key.public_key(), "the campaign's public key")
    other = _NamedKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key(), "another person's public key")
    content = (data.load("media", campaign) / "manifest.json").read_bytes()
    manifest = _Named(content, "the manifest")
    signature = _Named(key.sign(content), "the campaign's signature")
    tampered = _Named(content.replace(b'"ai_generated": false', b'"ai_generated": true', 1), "the manifest with one word changed")
    note = _Named(b"short note", "a short note")
    cases = [
        ((manifest, signature, public), True),
        ((tampered, signature, public), False),
        ((manifest, signature, other), False),
        ((note, _Named(key.sign(note), "the campaign's signature of the note"), public), True),
        ((manifest, _Named(bytes(64), "64 zero bytes"), public), False),
    ]
    return FunctionExercise(
        name="q5",
        answer_name="is_authentic",
        track="deep-dive",
        cases=cases,
        compare=lambda got, expected: isinstance(got, (bool, np.bool_)) and bool(got) == expected,
        hints=[
            "`public_key.verify(signature, data)` does nothing if the signature is good and raises `InvalidSignature` if it is not.",
            "Put the `verify` call inside `try:`; in `except InvalidSignature:` return `False`; after the `try` block return `True`.",
        ],
        why="Anyone with the public key can now check, in a second, that a manifest is the campaign's own and unchanged.",
    )


def _order_problem(answer) -> str | None:
    if isinstance(answer, str) or not isinstance(answer, (list, tuple)):
        return 'the order should be a list of letters like ["A", "B"], in quotes.'
    letters = [str(item).strip().upper() for item in answer]
    unknown = [letter for letter in letters if letter not in RESPONSE_STEPS]
    if unknown:
        return f"{', '.join(map(repr, unknown))} is not one of the steps. Use the letters A to E."
    if NEVER in letters:
        return "your plan includes a step that no campaign should take: answering a fake with a fake of your own."
    if len(set(letters)) != len(letters) or set(letters) != set(RESPONSE_ORDER):
        return "your plan should use every other step exactly once."
    if letters[0] != RESPONSE_ORDER[0]:
        return "think about what must happen first: once you report a post, it may disappear, and with it your evidence."
    if letters.index("A") < letters.index("E"):
        return "the public correction comes last: your team, your party and the authorities should not learn about the fake from your post."
    return None if letters == RESPONSE_ORDER else "the first step is right, but look again at the order of the next two."


def _q6_response() -> CustomExercise:
    return CustomExercise(
        name="q6",
        answer_name="response_plan",
        problem=_order_problem,
        hints=[
            "One of the five steps does not belong in any plan: leave it out.",
            "The plan runs: keep the evidence, report it where it is posted, tell the people who must know, then correct it in public.",
        ],
        why="Written down before you need it, this plan lets your team act in the first hour, when a fake spreads fastest, "
        "and spares the candidate from deciding everything alone under attack.",
    )


def _q7_sexualised_fake() -> SelectionExercise:
    return SelectionExercise(
        name="q7",
        answer_name="sexualised_fake_steps",
        required=[letter for letter, (_, why_not) in SEXUALISED_FAKE_STEPS.items() if why_not is None],
        forbidden={letter: why_not for letter, (_, why_not) in SEXUALISED_FAKE_STEPS.items() if why_not},
        allowed=list(SEXUALISED_FAKE_STEPS),
        hints=[
            "Ask of each step: does it pass the image to one more person, or put it in front of more eyes?",
            "Three steps belong in the plan: one about the candidate, one about evidence, one about the platforms.",
        ],
        why="A sexualised fake is an attack on the candidate herself: the plan starts with what she wants, and "
        "every step keeps the image from spreading further, including through the campaign.",
    )
