"""eFact formats: zone tables, records, the 920000 reader, the replies' writer, check digits, official error codes."""
