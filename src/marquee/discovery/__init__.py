"""Discovery: search (tantivy index per API node) and personalised browse rows."""
