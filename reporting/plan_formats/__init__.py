"""Plan file formats, one module each: `detect(path, head)` by content, `read(path)` → numbered lines."""
