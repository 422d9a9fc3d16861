"""PADDING_MODELS plain models, each a table with an index or two and a foreign key to the one
before it, shaped like a cabinet module's tables. Only the provisioning benchmark's padded settings
(tests.bench.provisioning_settings_padded) install this app; its migration is checked in."""

from django.db import models

PADDING_MODELS = 25


class PaddingBase(models.Model):
    code = models.CharField(max_length=32, db_index=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    quantity = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


def _padding_model(number: int, previous: type[models.Model] | None) -> type[models.Model]:
    attrs: dict[str, object] = {"__module__": __name__}
    if previous is not None:
        attrs["parent"] = models.ForeignKey(
            previous, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
        )
    return type(f"Padding{number:02d}", (PaddingBase,), attrs)


_previous: type[models.Model] | None = None
for _number in range(1, PADDING_MODELS + 1):
    _previous = _padding_model(_number, _previous)
    globals()[_previous.__name__] = _previous
