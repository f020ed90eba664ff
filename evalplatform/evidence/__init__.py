"""证据: content-addressed evidence files, their metadata, links, index and integrity checks."""
