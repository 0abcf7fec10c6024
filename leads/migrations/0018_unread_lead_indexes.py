"""Indexes on leads no query reads, each one more B-tree every ingested lead is written to:
created_at (no query filters or orders leads by it), normalized_mailing (read only together
with normalized_owner, whose index finds the few candidate rows), and on PostgreSQL the
varchar_pattern_ops twins db_index made for both (no LIKE reads either). normalized_owner
keeps a plain index, in Meta.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0017_fewer_redundant_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='lead',
            name='leads_lead_created_302c6d_idx',
        ),
        migrations.AlterField(
            model_name='lead',
            name='normalized_mailing',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='lead',
            name='normalized_owner',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(fields=['normalized_owner'], name='lead_normalized_owner'),
        ),
    ]
