"""acme_notes: notes a company keeps about itself, shown on the company page and API."""
