"""A 缴款凭证号 is recorded once per bureau, now also in the database: each payment carries the deciding
bureau (filled from its decision's case), with a unique constraint on (bureau, receipt)."""

from django.db import migrations, models
import django.db.models.deletion


def fill_agency(apps, schema_editor):
    Payment = apps.get_model("casework", "PenaltyPayment")
    for payment in Payment.objects.select_related("decision__case").filter(agency__isnull=True).iterator():
        payment.agency_id = payment.decision.case.agency_id
        payment.save(update_fields=["agency"])


class Migration(migrations.Migration):

    dependencies = [
        ("agencies", "0001_initial"),
        ("casework", "0019_task_queue_covering_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="penaltypayment",
            name="agency",
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="agencies.agency", verbose_name="作出决定的机关"),
        ),
        migrations.RunPython(fill_agency, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="penaltypayment",
            name="agency",
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="agencies.agency", verbose_name="作出决定的机关"),
        ),
        migrations.AddConstraint(
            model_name="penaltypayment",
            constraint=models.UniqueConstraint(fields=("agency", "receipt_number"), name="payment_receipt_once_per_agency"),
        ),
    ]
