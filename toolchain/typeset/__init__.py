"""Print composition that WeasyPrint does not do: total-fit paragraphs and hyphenation rules."""
