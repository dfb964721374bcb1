"""Text a person typed, shown by Qt: always as plain text, never as HTML."""

from __future__ import annotations

import html

__all__ = ["plain_tooltip"]


def plain_tooltip(text: str) -> str:
    """*text* as a tooltip Qt shows literally.

    Qt renders a tooltip as rich text whenever it looks like HTML
    (``Qt::mightBeRichText``), so user text (chat lines, member names, values)
    is escaped and wrapped; line breaks are kept.
    """
    if not text:
        return ""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"
