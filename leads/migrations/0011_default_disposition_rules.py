"""The default disposition mapping; admins change it in Django admin."""

from django.db import migrations

DEFAULT_RULES = [
    # (label, action, right-party contact)
    ("do not call", "do_not_call", False),
    ("dnc", "do_not_call", False),
    ("wrong number", "wrong_number", False),
    ("not interested", "dead", True),
    ("interested", "follow_up", True),
    ("appointment", "follow_up", True),
    ("appointment set", "follow_up", True),
    ("callback", "none", True),
    ("no answer", "none", False),
    ("voicemail", "none", False),
    ("left message", "none", False),
    ("busy", "none", False),
]


def add_rules(apps, schema_editor):
    DispositionRule = apps.get_model("leads", "DispositionRule")
    for label, action, right_party in DEFAULT_RULES:
        DispositionRule.objects.get_or_create(
            label=label, defaults={"action": action, "right_party": right_party}
        )


def remove_rules(apps, schema_editor):
    DispositionRule = apps.get_model("leads", "DispositionRule")
    DispositionRule.objects.filter(label__in=[label for label, _, _ in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("leads", "0010_disposition_rules_and_imports")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
