"""The API's clients: sign in through /api/v1/auth/token/ as a mobile app does."""

import pytest
from rest_framework.test import APIClient

from tests.accounts.test_second_factor import code_for
from tests.factories import PASSWORD, TOTPDeviceFactory


def tokens_for(user, *, client: APIClient | None = None) -> dict:
    """{"access", "refresh"} for `user`, through the token endpoint (its authenticator's code
    included where the role requires one)."""
    client = client or APIClient()
    given = {"username": user.username, "password": PASSWORD}
    if user.second_factor_required:
        device = user.totpdevice_set.filter(confirmed=True).first() or TOTPDeviceFactory(user=user)
        given["otp"] = code_for(device)
    answer = client.post("/api/v1/auth/token/", given, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()


@pytest.fixture
def api_for(db):
    """api_for(user): an APIClient carrying a fresh access token of `user`."""

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
        return client

    return make


def every_page(client: APIClient, url: str) -> list[dict]:
    """Every row of a paged list, following its `next` links to the end."""
    rows, answer = [], client.get(url)
    while True:
        assert answer.status_code == 200, answer.content
        rows += answer.json()["results"]
        if not answer.json()["next"]:
            return rows
        answer = client.get(answer.json()["next"])
