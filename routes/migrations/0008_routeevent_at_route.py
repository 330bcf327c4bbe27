# Whether any route changed status since a period end (monitoring.indicators.Window.status_moment).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("routes", "0007_routeevent_route_at"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="routeevent",
            index=models.Index(fields=["at", "route"], name="routes_event_at_route"),
        ),
    ]
