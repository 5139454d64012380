"""Static files a browser may keep for ever are sent so (a versioned vendor folder, a hashed
name); the project's own unhashed files are revalidated after a minute."""

from hms.static_files import immutable_file


def test_vendor_files_are_cached_for_ever_and_our_own_are_revalidated(client):
    vendor = client.get("/static/vendor/bootstrap-5.3.9/bootstrap.min.css")
    own = client.get("/static/css/hms.css")

    assert vendor.status_code == 200 and own.status_code == 200
    assert "immutable" in vendor["Cache-Control"]
    assert "max-age=315360000" in vendor["Cache-Control"]
    assert "immutable" not in own["Cache-Control"]


def test_hashed_names_of_a_collected_build_are_immutable():
    assert immutable_file("", "/static/css/hms.3f2a9c0d1e4b.css")
    assert immutable_file("", "/static/vendor/chart.js-4.6.1/chart.umd.min.js")
    assert not immutable_file("", "/static/css/hms.css")
    assert not immutable_file("", "/static/vendor/README.md")
