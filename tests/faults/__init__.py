"""The fault suite (issue 13): real nodes, Redis, balancer and clients, under faults."""
