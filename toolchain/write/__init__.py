"""Writers: the model out to files. `xhtml` decides the markup (one method per node type);
`epub` packages it; `pdf` typesets it once; `press` makes the printer's file from those pages;
`cover` draws the typographic cover; `styles` knows the stylesheets and fonts."""
