"""The stakeholder site: a MkDocs plugin that publishes incident records (see `plugin`)."""
