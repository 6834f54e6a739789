"""The audit chain gets a key (settings.LIANBAN_AUDIT_KEY, kept outside the database).

Events written from now on carry a proof of origin (`mac`) and are chained with HMAC-SHA256.
Events already chained by earlier versions (unkeyed SHA-256, no `mac`) stay as they are: they become
the "legacy prefix" 1…legacy_seq, and its end (seq and hash) is signed with the key here, so that prefix
can no longer be rewritten or extended unnoticed. Events the old seal missed are chained into the prefix
first. Run this migration with the production key already set: the boundary is signed with it.
"""

from django.db import migrations, models


def mark_legacy_prefix(apps, schema_editor):
    from agencies.audit import legacy_boundary_mac, legacy_digest

    AuditEvent = apps.get_model("agencies", "AuditEvent")
    AuditChainHead = apps.get_model("agencies", "AuditChainHead")
    if not AuditEvent.objects.exists():
        return
    head, _ = AuditChainHead.objects.get_or_create(pk=1)
    for event in AuditEvent.objects.filter(seq__isnull=True).order_by("id"):
        event.seq, event.prev_hash = head.last_seq + 1, head.last_hash
        event.hash = legacy_digest(event.prev_hash, event)
        event.save(update_fields=["seq", "prev_hash", "hash"])
        head.last_seq, head.last_hash = event.seq, event.hash
    head.legacy_seq, head.legacy_hash = head.last_seq, head.last_hash
    head.legacy_mac = legacy_boundary_mac(head.legacy_seq, head.legacy_hash)
    head.save()


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_agency_members")]

    operations = [
        migrations.AddField(
            model_name="auditchainhead", name="legacy_hash", field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditchainhead", name="legacy_mac", field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditchainhead", name="legacy_seq", field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="mac",
            field=models.CharField(
                blank=True, editable=False, help_text="HMAC of the content at write time (proof of origin)", max_length=64,
            ),
        ),
        migrations.RunPython(mark_legacy_prefix, migrations.RunPython.noop),
    ]
