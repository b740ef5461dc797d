"""All SQL lives in repositories. Every read takes the organization id."""
