"""Digital fee notes: the signed QR code (LUFN1), its PDF, verification from a rendered page."""
