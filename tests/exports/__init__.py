"""Tests of the exports area."""
