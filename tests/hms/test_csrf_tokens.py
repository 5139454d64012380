"""A page's CSRF token is masked by hms.csrf_tokens (a few calls instead of Django's ~490): the
token still reads back to the session's secret by Django's own unmasking, never repeats, draws
every allowed character evenly, and Django's CSRF check accepts a form sent with it and refuses
one without it."""

import collections
import re

import pytest
from django.middleware import csrf
from django.test import Client
from django.urls import reverse

from hms import csrf_tokens, rbac
from tests.conftest import sign_in


def test_django_masks_with_ours():
    assert csrf._mask_cipher_secret is csrf_tokens.mask_cipher_secret


def test_a_token_unmasks_to_its_secret_by_djangos_own_code():
    for _ in range(500):
        secret = csrf._get_new_csrf_string()
        token = csrf_tokens.mask_cipher_secret(secret)
        assert len(token) == csrf.CSRF_TOKEN_LENGTH
        assert not csrf.invalid_token_chars_re.search(token)
        assert csrf._unmask_cipher_token(token) == secret
        assert csrf._does_token_match(token, secret)


def test_a_secret_is_masked_differently_each_time():
    secret = csrf._get_new_csrf_string()
    tokens = {csrf_tokens.mask_cipher_secret(secret) for _ in range(1000)}
    assert len(tokens) == 1000


def test_the_mask_draws_every_character_evenly():
    """62 characters, 200,000 draws: each expected 3,226 times; a byte taken modulo 62 without
    redrawing would give the first eight characters 5/4 of the others' share (~4,000)."""
    counts = collections.Counter()
    while sum(counts.values()) < 200_000:
        counts.update(csrf_tokens.random_mask())
    expected = sum(counts.values()) / len(csrf_tokens.ALLOWED)
    assert set(counts) == set(range(len(csrf_tokens.ALLOWED)))
    assert all(abs(count - expected) < 0.08 * expected for count in counts.values()), counts


@pytest.mark.django_db
def test_djangos_check_accepts_a_form_sent_with_the_pages_token_and_refuses_one_without(
    make_user,
):
    reception = make_user(rbac.RECEPTIONIST)
    client = sign_in(Client(enforce_csrf_checks=True), reception)
    page = client.get(reverse("patient_register")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(reverse("account_logout")).status_code == 403  # no token: refused
    assert client.get(reverse("patient_register")).status_code == 200  # still signed in
    response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.get(reverse("patient_register")).status_code == 302  # signed out
