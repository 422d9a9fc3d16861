"""The bench's real migration at N: a new column with a default, and an index on it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scale_app", "0002_priority")]

    operations = [
        migrations.AddField(
            model_name="scalenote",
            name="label",
            field=models.CharField(max_length=40, default="new", db_index=True),
        ),
    ]
