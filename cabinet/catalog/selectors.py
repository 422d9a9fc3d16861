"""Reads of the catalog: the active services by section."""

from typing import TYPE_CHECKING

from django.db import models

from cabinet.catalog.models import CatalogItem

if TYPE_CHECKING:
    from cabinet.catalog.models import CatalogCategory


def catalog() -> list[tuple["CatalogCategory", list["CatalogItem"]]]:
    from cabinet.catalog.models import CatalogCategory

    categories = CatalogCategory.objects.prefetch_related(
        models.Prefetch("items", queryset=CatalogItem.objects.filter(is_active=True))
    )
    return [(category, list(category.items.all())) for category in categories]
