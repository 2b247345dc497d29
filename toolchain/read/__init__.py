"""Readers: a manuscript in, the model out. `manuscript` reads book.toml and finds the book's
files inside the manuscript only; `markdown` reads the chapters, one rule per construct."""
