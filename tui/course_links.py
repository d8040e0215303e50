"""The course's videos, slides and external sites for each section, read from assets/links.toml and checked."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from engine.paths import assets_dir

# https only, and no character that could end a terminal escape sequence (OSC 8 carries the URL).
SAFE_URL = re.compile(r"https://[A-Za-z0-9.-]+(/[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?")


@dataclass(frozen=True)
class Link:
    title: str  # what it is: "Video 4: Momentum"
    name: str  # where it is: "YouTube"
    url: str

    @property
    def label(self) -> str:
        return f"{self.title} — {self.name}"


@dataclass(frozen=True)
class Links:
    by_section: dict[str, tuple[Link, ...]]
    course: tuple[Link, ...] = ()  # every section's, after its own (the slides)
    problems: tuple[str, ...] = ()  # entries left out, in words


def parse(data: dict) -> Links:
    """Links per section from the parsed TOML; a bad entry is left out and named, never raised."""
    problems: list[str] = []

    def entries(where: str, raw, title: str) -> list[Link]:
        found = []
        for i, item in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(item, dict):
                problems.append(f"{where} link {i + 1} is not a table")
                continue
            url, name = item.get("url"), item.get("name")
            label = item.get("title", title)
            if not (isinstance(url, str) and SAFE_URL.fullmatch(url)):
                problems.append(f"{where} link {i + 1}: {url!r} is not a plain https URL")
            elif not (isinstance(name, str) and name and isinstance(label, str) and label):
                problems.append(f"{where} link {i + 1} has no name or title")
            else:
                found.append(Link(label, name, url))
        return found

    course_table = data.get("course")
    course = entries("course", course_table.get("links") if isinstance(course_table, dict) else None, "The course")
    sections = given if isinstance(given := data.get("sections"), dict) else {}
    by_section = {}
    for key, table in sections.items():
        table = table if isinstance(table, dict) else {}
        title = named if isinstance(named := table.get("title"), str) else key
        by_section[key] = tuple(entries(key, table.get("links"), title) + course)
    return Links(by_section, tuple(course), tuple(problems))


@cache
def load() -> Links:
    path = assets_dir() / "links.toml"
    try:
        with path.open("rb") as f:
            return parse(tomllib.load(f))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return Links({}, (), (f"could not read {path.name}: {exc}",))


def links_for(section: str) -> tuple[Link, ...]:
    """The section's own links, then the course's (the slides); none if the file is missing or broken."""
    links = load()
    return links.by_section.get(section, links.course)
