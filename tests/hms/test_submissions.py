"""hms.submissions: one submission, one effect. The mechanism alone; each money and record action
has its own double-submission test beside its other tests."""

import uuid

import pytest
from django.db import transaction
from django.template import engines

from hms import submissions
from hms.models import AuditEntry, SubmissionReceipt
from tests.races import race


def test_every_form_can_carry_a_fresh_token_without_loading_anything():
    template = engines["django"].from_string("<form>{% submission_field %}</form>")

    first, second = template.render({}), template.render({})

    assert 'name="submission"' in first
    assert first != second


@pytest.mark.django_db
def test_the_same_token_is_refused_the_second_time_with_the_first_result(make_user):
    actor = make_user()
    token = uuid.uuid4()
    with transaction.atomic():
        receipt = submissions.claim(token, actor=actor, action="test.act")
        submissions.complete(receipt, actor)

    with pytest.raises(submissions.AlreadySubmitted) as repeat, transaction.atomic():
        submissions.claim(token, actor=actor, action="test.act")

    assert repeat.value.result == actor


@pytest.mark.django_db
def test_a_failed_action_frees_its_token_for_the_corrected_form(make_user):
    actor = make_user()
    token = uuid.uuid4()

    with pytest.raises(ValueError), transaction.atomic():
        submissions.claim(token, actor=actor, action="test.act")
        raise ValueError("the amount was wrong")
    with transaction.atomic():
        again = submissions.claim(token, actor=actor, action="test.act")

    assert again is not None and SubmissionReceipt.objects.count() == 1


def test_a_token_that_is_not_a_uuid_is_no_token(rf):
    assert submissions.token_from(rf.post("/", {"submission": "x"})) is None
    assert submissions.token_from(rf.post("/", {})) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_transactions_with_one_token_act_once(make_user):
    """Two requests of one double click, in two real transactions on PostgreSQL: the second
    waits for the first, then finds its receipt."""
    actor = make_user()
    token = uuid.uuid4()

    def submit(n: int) -> object:
        try:
            with transaction.atomic():
                submissions.claim(token, actor=actor, action="test.act")
                from hms import audit

                audit.record(actor=actor, action="test.acted")
            return "acted"
        except submissions.AlreadySubmitted:
            return "already"

    outcome = race(submit)

    assert sorted(outcome.values()) == ["acted", "already"]
    assert AuditEntry.objects.filter(action="test.acted").count() == 1
