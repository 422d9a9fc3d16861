"""The bench's real migration at its third checkpoint: a new column with a default, and an index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scale_app", "0003_label")]

    operations = [
        migrations.AddField(
            model_name="scalenote",
            name="score",
            field=models.BigIntegerField(default=1, db_index=True),
        ),
    ]
