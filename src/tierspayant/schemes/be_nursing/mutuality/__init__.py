"""REFAC: the mutuality's controls of a 920000 nursing invoicing file and its replies (920999, 920099, 920098, 920900).

Intake and preliminary controls → rule evaluation (``rules.yaml`` on the core DuckDB engine) → propagation of
rejections to blocks and days → file decision → replies and payment date. The facade is
:class:`tierspayant.schemes.be_nursing.mutuality.service.RefacService`.
"""
