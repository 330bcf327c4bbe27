"""Pages of the routes app, one module per area."""
