"""The KIN stores: the fund's (fund/) and the practice's (practice/), each with its Alembic tree; never shared."""
