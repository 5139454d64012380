"""The account page's figure of what is not invoiced yet and the button that invoices it say the
same amount, tax included (session 33): the figure once had tax in it and the button not."""

import html
import re

from django.urls import reverse

from tests.factories import PatientFactory, charge_posted


def test_not_yet_invoiced_and_its_button_agree_with_tax(staff, charge_master, client_for):
    patient = PatientFactory()
    charge_posted(patient, "CONSULT")  # 1,500.00, no tax
    charge_posted(patient, "NURS-INJ")  # 200.00, no tax
    charge_posted(patient, "MISC-COPY")  # 300.00 + 16 % = 348.00

    page = html.unescape(
        client_for(staff.receptionist)
        .get(reverse("patient_account", args=[patient.pk]))
        .content.decode()
    )

    figure = re.search(r"Charged, not yet invoiced.*?</dd>", page, re.S).group(0)
    assert "(with tax, before insurance)" in figure and "KES 2,048.00" in figure
    button = re.search(r'data-testid="create-invoice">([^<]+)<', page).group(1)
    assert button == "Invoice 3 outpatient charges (KES 2,048.00 with tax)"
