"""Every rule any command can report, one module per kind, each rule declared once.

`registry` lists them all (for `inc rules`, README and the tests). This package file
imports nothing, so the reader and the schema loader can take their rule ids from
`rules.reader` and `rules.schema` without importing the checks that use them.
"""
