"""The GraphQL transport: the only place that knows GraphQL."""
