"""Each lead's free-text `notes` becomes the first note of its timeline, so nothing is lost."""

from django.db import migrations

BATCH = 1000


def notes_to_activity(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    Activity = apps.get_model("leads", "Activity")
    with_notes = Lead.objects.exclude(notes="").values_list("pk", "notes", "created_at")
    batch = []
    for lead_id, notes, created_at in with_notes.iterator(chunk_size=BATCH):
        batch.append(Activity(lead_id=lead_id, kind="note", at=created_at, text=notes))
        if len(batch) == BATCH:
            Activity.objects.bulk_create(batch)
            batch = []
    Activity.objects.bulk_create(batch)


def activity_to_notes(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    Activity = apps.get_model("leads", "Activity")
    for note in Activity.objects.filter(kind="note").order_by("at", "pk"):
        lead = Lead.objects.get(pk=note.lead_id)
        lead.notes = "\n\n".join(filter(None, (lead.notes, note.text)))
        lead.save(update_fields=["notes"])


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_activity_tasks_wrong_numbers")]

    operations = [migrations.RunPython(notes_to_activity, activity_to_notes)]
