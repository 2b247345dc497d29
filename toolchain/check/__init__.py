"""Checks: everything that judges an artefact and returns Problems — the manuscript (`lint`),
the XHTML and the EPUB (`validate`), the PDFs (`pdfcheck`), the book in reading engines
(`readers`), all of them on a finished build (`outputs`), and page proofs (`proof`)."""
