"""The nurse's side of eFact: visits → monthly 920000, replies → rejected lines to correct and re-invoice."""
