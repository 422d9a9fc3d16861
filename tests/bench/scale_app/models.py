"""One bench-only tenant table that `make bench-scale` migrates across every schema: the columns
its later migrations add (migrations_v2, migrations_v3, chosen by SCALE_MIGRATION_LEVEL in
tests.bench.scale_settings) are not on the model; nothing reads them."""

from django.db import models


class ScaleNote(models.Model):
    text = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.text
