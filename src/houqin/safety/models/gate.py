"""Gate: visitors, watch list, pickup authorisations and releases."""
