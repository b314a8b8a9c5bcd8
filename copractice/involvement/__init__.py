"""Involvement of public contributors (issue 17): opportunities, interest and selection, payment choices,
payment and expense rates as data, and recognition of involvement on profiles and certificates."""
