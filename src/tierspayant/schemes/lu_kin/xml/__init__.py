"""KIN layout-01 XML: writer (whole files and streaming), streaming reader, validation findings, columnar frames."""
