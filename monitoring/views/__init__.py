"""Monitoring pages: dashboards (`dashboard`), computation runs (`runs`), reference input
(`reference`); engineer B adds `reports`. Kept import-light."""
