"""The page builders of ``/ontology``, ``/shapes`` and ``/graph/{name}`` (the views are in
``graph_service.web.views.vocab``), one module each, and what the three share (``naming``)."""
