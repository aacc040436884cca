"""The rules of mentoring, one module per topic (plain Python, no request objects; they flush, never commit)."""
