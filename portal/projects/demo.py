"""Demo co-construction data: placeholder replaced below."""
