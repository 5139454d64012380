"""The OpenAPI 3 schema of /api/v1/ and its interactive page, for administrators."""

from tests.conftest import sign_in, without_random_tokens


def test_the_schema_describes_every_endpoint_with_its_token_security(staff, api_for):
    answer = api_for(staff.admin).get("/api/v1/schema/?format=json")

    assert answer.status_code == 200
    schema = answer.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/auth/token/",
        "/api/v1/auth/refresh/",
        "/api/v1/auth/revoke/",
        "/api/v1/me/",
        "/api/v1/me/appointments/",
        "/api/v1/appointments/",
        "/api/v1/patients/",
    } <= set(schema["paths"])
    assert "jwtAuth" in schema["components"]["securitySchemes"]
    assert schema["paths"]["/api/v1/patients/"]["get"]["parameters"][0]["name"] == "q"


def test_the_administrator_opens_the_interactive_page_served_from_the_box(staff, client):
    sign_in(client, staff.admin)

    page = client.get("/api/v1/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in without_random_tokens(html).lower()
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and "/api/v1/schema/" in script.content.decode()


def test_a_nurse_signed_in_on_the_website_is_refused_the_page(staff, client):
    sign_in(client, staff.nurse)

    assert client.get("/api/v1/docs/").status_code == 403


def test_the_schema_is_valid_openapi_and_generates_without_a_warning(tmp_path):
    from django.core.management import call_command

    # --validate checks it against the OpenAPI 3 specification; --fail-on-warn fails on any
    # view whose answer it cannot describe or any two choice sets under one name.
    call_command(
        "spectacular", "--file", str(tmp_path / "schema.yaml"), "--validate", "--fail-on-warn"
    )
    assert "BedTile" in (tmp_path / "schema.yaml").read_text()
