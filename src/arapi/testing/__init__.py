"""Test helpers for arapi and for plugin authors.

``arapi.testing.contracts`` holds contract test classes a plugin's own suite
subclasses; ``arapi.testing.corpus`` finds the shared sample corpus.
"""
