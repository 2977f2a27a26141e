"""Tests of `scenario`."""
