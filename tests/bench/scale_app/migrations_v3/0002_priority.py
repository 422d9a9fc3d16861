"""The bench's real migration at N = 100: a new column with a default, and an index on it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scale_app", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="scalenote",
            name="priority",
            field=models.IntegerField(default=0, db_index=True),
        ),
    ]
