"""Writes of diagnostics: `attempts` (taking, scoring, expert checks, retakes) and `authoring`
(instruments and items)."""
