"""The do-not-call list in E.164, once per number (and once per owner), applied to phones.

Entries typed in admin were stored as typed, so `(602) 555-0101` never matched the stored
`+16025550101`, and a number could be listed twice. Each entry is normalised; of duplicates
the oldest stays. An entry that is no phone number at all is kept as it was (it matches
nothing, and deleting a compliance record is not this migration's call). Then every stored
phone on the list is marked, and a lead whose best phone is listed loses it until its
compliance is next recomputed.
"""

from django.db import migrations

from leads.phones import normalize_phone


def normalise_and_apply(apps, schema_editor):
    DoNotCall = apps.get_model("leads", "DoNotCall")
    Phone = apps.get_model("leads", "Phone")
    Lead = apps.get_model("leads", "Lead")
    seen_numbers, seen_owners = set(), set()
    for entry in DoNotCall.objects.order_by("created_at", "pk"):
        if not entry.number:
            owner = (entry.normalized_owner, entry.normalized_mailing)
            if owner in seen_owners:
                entry.delete()
            seen_owners.add(owner)
            continue
        number = normalize_phone(entry.number) or entry.number
        if number in seen_numbers:
            entry.delete()
            continue
        seen_numbers.add(number)
        if number != entry.number:
            entry.number = number
            entry.save(update_fields=["number"])
    listed = list(seen_numbers)
    Phone.objects.filter(number__in=listed).update(do_not_call=True)
    Lead.objects.filter(best_phone__in=listed).update(best_phone="")


class Migration(migrations.Migration):
    dependencies = [("leads", "0006_remove_lead_notes")]

    operations = [migrations.RunPython(normalise_and_apply, migrations.RunPython.noop)]
