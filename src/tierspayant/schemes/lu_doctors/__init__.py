"""Luxembourg doctors: fee notes, device flat rates, digital fee notes (eDocuments, signed QR codes, PID)."""
