"""The Belgian home-nursing stores: the nurse's (nurse/) and the mutuality's (mutuality/), each with its Alembic
tree."""
