"""The user edit page's history never stops silently: it shows the newest 10 entries, says how
many there are, and links to the audit log filtered to that user, which the admin opens."""

from django.urls import reverse

from hms import audit, navigation, rbac


def note(admin, subject, count: int) -> None:
    for n in range(count):
        audit.record(actor=admin, action="user.update", obj=subject, after={"n": n})


def test_the_history_says_how_many_and_links_to_the_filtered_audit_log(
    make_user, client_for, django_assert_max_num_queries
):
    admin = make_user(rbac.ADMIN)
    nurse = make_user(rbac.NURSE)
    other = make_user(rbac.NURSE)
    note(admin, nurse, 3)
    note(admin, other, 4)
    client = client_for(admin)
    url = reverse("user_edit", args=[nurse.pk])
    client.get(url)
    with django_assert_max_num_queries(60) as few:
        page = client.get(url).content.decode()
    assert page.count("<code>user.update</code>") == 3
    assert 'data-testid="more"' not in page

    note(admin, nurse, 22)
    # One more: the full panel's count (a short one is its own count, hms.paging.first_of).
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        page = client.get(url).content.decode()
    assert page.count("<code>user.update</code>") == 10
    assert "10 of 25" in page
    all_url = f"{reverse('audit_list')}?object_type=accounts.User&amp;object_id={nurse.pk}"
    assert all_url in page

    log = client.get(reverse("audit_list"), {"object_type": "accounts.User", "object_id": nurse.pk})
    assert log.status_code == 200
    listed = log.content.decode()
    assert "25 entries in all" in listed or "25 in all" in listed
    assert f"Entries about accounts.User #{nurse.pk}" in listed
    assert f'name="object_id" value="{nurse.pk}"' in listed  # kept when filtering further


def test_the_link_shows_only_to_who_reads_the_audit_log(make_user, client_for):
    from unittest import mock

    admin = make_user(rbac.ADMIN)
    nurse = make_user(rbac.NURSE)
    note(admin, nurse, 12)
    # The menu is worked out once per role (hms.navigation): worked out again under the patch.
    navigation._nav_for_role.cache_clear()
    try:
        with mock.patch("hms.rbac.allows", side_effect=lambda user, cap, **kw: cap != "audit.view"):
            page = client_for(admin).get(reverse("user_edit", args=[nurse.pk])).content.decode()
    finally:
        navigation._nav_for_role.cache_clear()
    assert "10 of 12" in page and reverse("audit_list") not in page
