"""The demo's bills as the Kenyan desk keeps them: claims to SHA and a private scheme (never the
old NHIF), payments only in the modes the desk offers, M-Pesa with its transaction code."""

from billing.models import Invoice, Payment, PaymentMode


def test_the_seeded_demo_claims_and_payments(seeded):
    claims = set(Invoice.objects.exclude(insurer="").values_list("insurer", flat=True).distinct())
    assert "SHA" in claims and claims & {"AAR", "Jubilee"} and "NHIF" not in claims
    assert set(Payment.objects.values_list("mode", flat=True)) <= set(PaymentMode.values)
    assert Payment.objects.filter(mode="mpesa").exclude(reference="").exists()
