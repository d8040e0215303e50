"""Which CSS rules would style a descendant of a focused FocusStylesSelf widget (those would go stale)."""

from __future__ import annotations

from tui.widgets.focus_style import FocusStylesSelf


def rules_reaching_inside(screen) -> list[str]:
    """'Widget: rule' for each rule with `:focus` on a selector before its last that matches such a widget.

    FocusStylesSelf restyles only the widget itself on focus and blur, so a rule like
    `LessonView:focus Markdown` would not be applied until something else restyled the Markdown.
    """
    found = []
    widgets = [w for w in screen.walk_children(with_self=True) if isinstance(w, FocusStylesSelf)]
    for rule in screen.app.stylesheet.rules:
        for selector_set in rule.selector_set:
            ancestors = selector_set.selectors[:-1]
            for widget in widgets:
                if any("focus" in s.pseudo_classes and s._check(widget) for s in ancestors):
                    found.append(f"{type(widget).__name__}: {selector_set.css}")
    return found
