"""Step definitions (filled in by the features work)."""
