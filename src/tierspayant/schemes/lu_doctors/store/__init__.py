"""The doctors' scheme stores: ``practice`` (the doctor's or association's database) and ``fund`` (the CNS's).

Each has its own SQLAlchemy metadata and Alembic tree; they never share a table (they talk through files).
"""
