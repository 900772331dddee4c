"""Chapter 6 (Tozo)."""
