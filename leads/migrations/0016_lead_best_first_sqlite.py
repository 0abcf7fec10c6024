"""The lead list's order index (0015's lead_best_first) on SQLite too: best score first, then
id. SQLite sorts NULLs last in a descending order, so `ai_score DESC NULLS LAST, id` reads
straight from this index, as it reads from PostgreSQL's. Without it every full export (and
every page of the list) first sorted all leads, with every cell it reads, in a temporary
B-tree: 0.6 s of 1.2 s for the 100,000-lead export's rows.
"""

from django.db import migrations

CREATE = 'CREATE INDEX IF NOT EXISTS "lead_best_first" ON "leads_lead" ("ai_score" DESC, "id")'
DROP = 'DROP INDEX IF EXISTS "lead_best_first"'


def _on_sqlite(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0015_lead_best_first"),
    ]

    operations = [
        migrations.RunPython(_on_sqlite(CREATE), _on_sqlite(DROP), elidable=False),
    ]
