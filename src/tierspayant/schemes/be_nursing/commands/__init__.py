"""The Belgian nursing command group ``be``: the nurse's commands and the mutuality's ``be refac``."""
