"""Route maps: the document, the pages, and the pages in a real browser."""
