"""Catalog: titles, series, localized metadata, artwork, ratings, licence windows, studio."""
