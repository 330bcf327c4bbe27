"""Reads of diagnostics: `attempts` (availability, taking, results, the expert queue) and
`statistics`."""
