"""A generated corpus for story grouping (corpus.py) and the tests that hold it to its claims."""
