"""The King James Bible as training text: extracted with Debian's `bible` program, split by chapter."""

import re
import subprocess
from dataclasses import dataclass

# Every chapter whose index (0-based, in canonical order) is divisible by this goes to the held-out split.
HELD_OUT_EVERY = 25

VERSE_LINE = re.compile(r"^(?P<book>[1-3]?[A-Za-z]+)(?P<chapter>\d+):(?P<verse>\d+) (?P<text>.*)$")


@dataclass
class Chapter:
    """One chapter: its reference (e.g. `Ge1`) and its verses, in order."""

    ref: str
    verses: list


def read_kjv(bible_program="bible"):
    """Runs `bible -f gen1:1-rev22:21` (package `bible-kjv`) and returns its chapters in order."""
    out = subprocess.run(
        [bible_program, "-f", "gen1:1-rev22:21"], check=True, capture_output=True, text=True, env={"COLUMNS": "0"}
    ).stdout
    chapters = []
    for line in out.splitlines():
        if not line.strip():
            continue
        match = VERSE_LINE.match(line)
        if match is None:
            raise ValueError(f"unexpected line from `bible`: {line!r}")
        ref = match["book"] + match["chapter"]
        if not chapters or chapters[-1].ref != ref:
            chapters.append(Chapter(ref, []))
        chapters[-1].verses.append(match["text"].strip())
    if len(chapters) != 1189:
        raise ValueError(f"expected the 1189 chapters of the KJV, got {len(chapters)}")
    return chapters


def chapter_text(chapter):
    """A chapter as one document: its verses, one per line (no verse numbers)."""
    return "\n".join(chapter.verses) + "\n"


def split_chapters(chapters):
    """(train, held_out): every HELD_OUT_EVERY-th chapter is held out (48 chapters, about 4%)."""
    train = [c for i, c in enumerate(chapters) if i % HELD_OUT_EVERY != 0]
    held_out = [c for i, c in enumerate(chapters) if i % HELD_OUT_EVERY == 0]
    return train, held_out
