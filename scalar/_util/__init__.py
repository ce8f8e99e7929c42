"""Small helpers shared by every layer (no imports from the layers)."""
