"""Writes of the routes app, one module per area: catalogue, routes (cards and the workflow),
comments, corrections, implementation. Kept import-light: import the module you need, e.g.
`from routes.services.routes import route_submit`."""
