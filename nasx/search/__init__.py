"""Architecture search: searchers behind one ask/tell interface and the runner that drives them."""
