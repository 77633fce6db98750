"""Web layer: thin views that parse the request, call a service and render."""
