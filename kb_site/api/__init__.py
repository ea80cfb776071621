"""Cross-app REST API plumbing: pagination, renderers, permissions, schema, the dataset export."""
