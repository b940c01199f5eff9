"""Outcomes analyses over registry data. Pure: data frames in, JSON-ready dicts out (services/analyses.py loads)."""
