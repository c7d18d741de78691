"""Test helpers for add-on authors (the pytest plugin ``core.testing.plugin``)."""
