"""Workshops: the TOML file (parser, table reader, spec), the limits every question and poll obeys,
the schedule rules, loading a file into the database (sync) and listing or describing workshops (catalog).
"""
