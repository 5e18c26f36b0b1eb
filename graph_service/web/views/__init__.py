"""The views: one module per kind of page, each a set of Starlette endpoints listed in the route
table (``graph_service.web.routes``). They reach the shared state through ``request.app.state``:
``site`` (:class:`graph_service.web.context.Site`) and ``publisher``
(:class:`graph_service.publish.publisher.Publisher`)."""
