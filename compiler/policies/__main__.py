"""`python -m stackc.policies > docs/policies.md`: the catalogue page, from the policies' docs."""

from stackc.policies.catalogue import catalogue_markdown

print(catalogue_markdown(), end="")
