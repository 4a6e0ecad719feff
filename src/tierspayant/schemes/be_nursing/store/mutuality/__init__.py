"""The mutuality's database (REFAC side): sendings received, sending numbers taken, accepted services."""
