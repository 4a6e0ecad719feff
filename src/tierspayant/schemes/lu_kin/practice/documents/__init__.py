"""The KIN documents a practice prints: titre, mémoire d'honoraires, association statement, IT flat-rate form."""
