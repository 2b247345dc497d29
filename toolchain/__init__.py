"""Book-production toolchain: a manuscript in, validated XHTML, EPUB 3 and PDF out.

Stages, one module each: reader (Markdown -> model), lint, xhtml (model -> documents),
validate, epub, cover, pdf, pdfcheck, build (the pipeline), check, proof, cli.
"""
