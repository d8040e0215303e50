"""The course's table of contents: every section, its time estimate, purpose and screen."""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str  # also the lesson file's name: assets/lessons/<key>.md
    number: str  # "1".."8", "S" for the summary, "B" for the bonus
    title: str
    minutes: int | None
    purpose: str
    screen: str = "tui.screens.section:SectionScreen"  # "module:Class", imported when first opened

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}" if self.number.isdigit() else self.title

    def screen_class(self):
        module, _, name = self.screen.partition(":")
        return getattr(importlib.import_module(module), name)


SECTIONS: tuple[Section, ...] = (
    Section("intro", "1", "Introduction", 15, "Why optimization matters, and how objectives shape outcomes"),
    Section(
        "casestudy",
        "2",
        "Case study: an MLP for MNIST",
        40,
        "The data, the model, the loss, and what a trained model learns",
        "tui.screens.casestudy:CaseStudyScreen",
    ),
    Section(
        "search",
        "3",
        "High-dimensional search",
        25,
        "Random directions versus the gradient",
        "tui.screens.search:SearchScreen",
    ),
    Section(
        "conditioning",
        "4",
        "Poor conditioning",
        30,
        "Gradient descent versus momentum on a badly scaled problem",
        "tui.screens.conditioning.screen:ConditioningScreen",
    ),
    Section(
        "nonconvex",
        "5",
        "Non-convexity",
        30,
        "Many minima, and why bigger networks train more easily",
        "tui.screens.nonconvex:NonConvexScreen",
    ),
    Section(
        "minibatch",
        "6",
        "Full gradients are expensive",
        25,
        "The cost of a gradient, and minibatches under a time budget",
        "tui.screens.minibatch:MinibatchScreen",
    ),
    Section(
        "adaptive",
        "7",
        "Adaptive methods",
        25,
        "SGD, momentum and RMSprop compared",
        "tui.screens.adaptive:AdaptiveScreen",
    ),
    Section("ethics", "8", "Ethical concerns", 15, "Objectives and their unintended consequences"),
    Section("summary", "S", "Summary", None, "What this unit taught, in four points"),
    Section(
        "bonus",
        "B",
        "Bonus: Putting it all together",
        40,
        "Train your own MLP against a benchmark model",
        "tui.screens.bonus.screen:BonusScreen",
    ),
)

BY_KEY = {s.key: s for s in SECTIONS}


def find(ref: str) -> Section:
    """A section by number ("4"), key ("conditioning"), or S/B/summary/bonus; KeyError if none."""
    ref = ref.strip().lower()
    for s in SECTIONS:
        if ref in (s.key, s.number.lower()):
            return s
    raise KeyError(ref)


def neighbour(key: str, offset: int) -> Section:
    """The section `offset` places after `key`, clamped to the ends."""
    i = next(i for i, s in enumerate(SECTIONS) if s.key == key)
    return SECTIONS[max(0, min(len(SECTIONS) - 1, i + offset))]
