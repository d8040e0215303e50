"""Which CSS rules would style a descendant of a focused FocusStylesSelf widget, or of a FocusWithinStylesSelf widget
holding the focus (those would go stale)."""

from __future__ import annotations

from tui.widgets.focus_style import FocusStylesSelf, FocusWithinStylesSelf

KINDS = (("focus", FocusStylesSelf), ("focus-within", FocusWithinStylesSelf))


def rules_reaching_inside(screen) -> list[str]:
    """'Widget: rule' for each rule with `:focus` (`:focus-within`) on a selector before its last that matches
    such a widget.

    FocusStylesSelf restyles only the widget itself on focus and blur, so a rule like
    `LessonView:focus Markdown` would not be applied until something else restyled the Markdown;
    FocusWithinStylesSelf likewise when the focus moves into or out of it.
    """
    found = []
    nodes = list(screen.walk_children(with_self=True))
    kinds = [(pseudo, [w for w in nodes if isinstance(w, kind)]) for pseudo, kind in KINDS]
    for rule in screen.app.stylesheet.rules:
        for selector_set in rule.selector_set:
            ancestors = selector_set.selectors[:-1]
            for pseudo, widgets in kinds:
                for widget in widgets:
                    if any(pseudo in s.pseudo_classes and s._check(widget) for s in ancestors):
                        found.append(f"{type(widget).__name__}: {selector_set.css}")
    return found
