"""KIN file formats (layout 01): XSDs, typed models, streaming reader, writer, columnar fast path, names, ZIP
packages."""
