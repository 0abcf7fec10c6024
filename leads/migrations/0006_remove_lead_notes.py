from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("leads", "0005_notes_become_first_note")]

    operations = [migrations.RemoveField(model_name="lead", name="notes")]
