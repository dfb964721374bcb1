"""Goroutine Lab's core: Go's runtime in Python, the patterns, the scenarios. Never imports Qt."""
