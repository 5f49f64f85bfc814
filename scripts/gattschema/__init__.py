"""Tools for Presso's GATT contract (gatt-schema/presso-boots.json): checks, reference, vectors.

Used through scripts/gatt-schema.py; Python 3 standard library plus jsonschema (Debian:
python3-jsonschema).
"""
