from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_do_not_call_e164")]

    operations = [
        migrations.AddConstraint(
            model_name="donotcall",
            constraint=models.UniqueConstraint(
                condition=models.Q(("number", ""), _negated=True),
                fields=("number",),
                name="dnc_unique_number",
            ),
        ),
        migrations.AddConstraint(
            model_name="donotcall",
            constraint=models.UniqueConstraint(
                condition=models.Q(("number", "")),
                fields=("normalized_owner", "normalized_mailing"),
                name="dnc_unique_owner",
            ),
        ),
    ]
