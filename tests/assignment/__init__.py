"""Tests of `assignment`."""
