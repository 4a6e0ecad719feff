"""The fund's database (fund.db): registries, reference versions, deposits, titres, ledger, findings, payments."""
