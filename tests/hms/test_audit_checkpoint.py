"""The audit chain's signed checkpoints: deleting the newest rows (which leaves a shorter chain
that is still whole) is found, and so are a forged checkpoint and a missing key."""

import json
import logging

import pytest
from django.core.management import CommandError, call_command

from hms import audit
from reports import tasks
from tests.hms.test_audit import _tamper


@pytest.fixture
def four_entries(make_user):
    actor = make_user("admin")
    return [audit.record(actor=actor, action=f"test.{n}", after={"n": n}) for n in range(4)]


def _lines(settings) -> list[dict]:
    return [json.loads(line) for line in settings.HMS_AUDIT_CHECKPOINTS.read_text().splitlines()]


def test_a_checkpoint_names_the_newest_entry_signed_in_a_file_beside_the_backups(
    four_entries, settings
):
    checkpoint = audit.checkpoint_write()

    newest = four_entries[-1]
    (line,) = _lines(settings)
    assert (line["entry_id"], line["entry_hash"]) == (newest.id, newest.entry_hash)
    assert line["signature"] == audit.checkpoint_signature(
        newest.id, newest.entry_hash, checkpoint.written_at, audit.checkpoint_key()
    )
    assert settings.HMS_AUDIT_CHECKPOINT_KEY_FILE.stat().st_mode & 0o777 == 0o600
    report = audit.verify()
    assert report.ok and report.matches_checkpoint and report.checked == 4


def test_checkpoints_are_appended_never_rewritten(four_entries, make_user, settings):
    audit.checkpoint_write()
    later = audit.record(actor=make_user("admin"), action="test.later")

    audit.checkpoint_write()

    assert [line["entry_id"] for line in _lines(settings)] == [four_entries[-1].id, later.id]
    assert audit.verify().ok


def test_deleting_the_newest_rows_is_found_thanks_to_the_checkpoint(four_entries, capsys):
    audit.checkpoint_write()
    for entry in four_entries[2:]:
        _tamper("DELETE FROM hms_auditentry WHERE id = %s", [entry.id])

    report = audit.verify()

    assert not report.ok
    assert report.broken_id == four_entries[-1].id
    assert f"entries after #{four_entries[1].id} were deleted" in report.reason
    with pytest.raises(CommandError, match="were deleted"):
        call_command("verify_audit")


def test_without_a_checkpoint_the_shorter_chain_still_verifies(four_entries):
    """The known gap the checkpoint closes: the same deletion, no checkpoint, nothing found."""
    _tamper("DELETE FROM hms_auditentry WHERE id = %s", [four_entries[-1].id])

    report = audit.verify()

    assert report.ok and report.checkpoint is None


def test_a_rewritten_newest_row_with_its_hash_recomputed_differs_from_the_checkpoint(
    four_entries,
):
    audit.checkpoint_write()
    newest = four_entries[-1]
    newest.after = {"n": 999}
    forged = audit.entry_hash(newest.prev_hash, newest)
    _tamper(
        "UPDATE hms_auditentry SET after = {json}, entry_hash = %s WHERE id = %s",
        ['{"n": 999}', forged, newest.id],
    )

    report = audit.verify()

    assert report.broken_id == newest.id
    assert "differs from the one the checkpoint" in report.reason


def test_an_edited_row_is_found_with_a_checkpoint_too(four_entries):
    audit.checkpoint_write()
    _tamper(
        "UPDATE hms_auditentry SET after = {json} WHERE id = %s", ['{"n": 7}', four_entries[1].id]
    )

    report = audit.verify()

    assert report.broken_id == four_entries[1].id and report.checked == 1


def test_a_checkpoint_with_a_forged_signature_is_refused(four_entries, settings):
    audit.checkpoint_write()
    line = _lines(settings)[0]
    line["entry_id"] = four_entries[1].id  # as if rows after #2 had never been written
    line["entry_hash"] = four_entries[1].entry_hash
    settings.HMS_AUDIT_CHECKPOINTS.write_text(json.dumps(line) + "\n")

    report = audit.verify()

    assert not report.ok and report.broken_id is None
    assert "signature that does not verify" in report.checkpoint_problem
    with pytest.raises(CommandError, match="signature that does not verify"):
        call_command("verify_audit")


def test_a_checkpoint_signed_with_another_key_is_refused(four_entries, settings):
    audit.checkpoint_write()
    settings.HMS_AUDIT_CHECKPOINT_KEY = "another key altogether"

    assert "signature that does not verify" in audit.verify().checkpoint_problem


def test_the_key_may_come_from_the_environment(four_entries, settings):
    settings.HMS_AUDIT_CHECKPOINT_KEY = "k" * 64

    checkpoint = audit.checkpoint_write()

    assert audit.checkpoint_key() == b"k" * 64
    assert not settings.HMS_AUDIT_CHECKPOINT_KEY_FILE.exists()
    assert checkpoint.signature == audit.checkpoint_signature(
        checkpoint.entry_id, checkpoint.entry_hash, checkpoint.written_at, b"k" * 64
    )


def test_in_production_a_missing_key_is_never_made_up(four_entries, settings):
    settings.HMS_AUDIT_CHECKPOINT_KEY_GENERATE = False

    with pytest.raises(audit.CheckpointError, match="no audit checkpoint key"):
        audit.checkpoint_write()
    with pytest.raises(CommandError, match="no audit checkpoint key"):
        call_command("audit_checkpoint")
    assert not settings.HMS_AUDIT_CHECKPOINTS.exists()


def test_a_checkpoint_whose_key_went_missing_cannot_be_matched(four_entries, settings):
    audit.checkpoint_write()
    settings.HMS_AUDIT_CHECKPOINT_KEY_FILE.unlink()
    settings.HMS_AUDIT_CHECKPOINT_KEY_GENERATE = False

    report = audit.verify()

    assert not report.ok and "no audit checkpoint key" in report.checkpoint_problem
    with pytest.raises(CommandError, match="no audit checkpoint key"):
        call_command("verify_audit")


def test_a_broken_chain_is_never_signed(four_entries, settings):
    _tamper(
        "UPDATE hms_auditentry SET after = {json} WHERE id = %s", ['{"n": 7}', four_entries[1].id]
    )

    with pytest.raises(audit.CheckpointError, match="not intact"):
        audit.checkpoint_write()
    assert not settings.HMS_AUDIT_CHECKPOINTS.exists()


def test_an_unreadable_checkpoint_file_is_reported(four_entries, settings):
    settings.HMS_AUDIT_CHECKPOINTS.parent.mkdir(parents=True)
    settings.HMS_AUDIT_CHECKPOINTS.write_text("not a checkpoint\n")

    report = audit.verify()

    assert not report.ok and "is not a checkpoint" in report.checkpoint_problem


def test_the_command_writes_one_on_demand_and_verify_audit_names_it(four_entries, capsys):
    call_command("audit_checkpoint")
    call_command("verify_audit")

    out = capsys.readouterr().out
    assert f"Checkpoint written: entry #{four_entries[-1].id}" in out
    assert "Matches the checkpoint of" in out and f"entry #{four_entries[-1].id}" in out


def test_an_empty_log_has_nothing_to_checkpoint(db, settings, capsys):
    call_command("audit_checkpoint")

    assert "nothing to checkpoint" in capsys.readouterr().out
    assert not settings.HMS_AUDIT_CHECKPOINTS.exists()


def test_the_daily_task_writes_the_checkpoint_and_logs_it(four_entries, settings, caplog):
    caplog.set_level(logging.INFO, logger="reports.tasks")

    written = tasks.audit_checkpoint_daily.call_local()

    assert written == four_entries[-1].id
    assert _lines(settings)[0]["entry_id"] == written
    assert f"Audit checkpoint: entry #{written} hash {four_entries[-1].entry_hash}" in caplog.text


def test_the_daily_task_logs_an_error_when_it_may_not_write(four_entries, settings, caplog):
    settings.HMS_AUDIT_CHECKPOINT_KEY_GENERATE = False

    assert tasks.audit_checkpoint_daily.call_local() is None
    assert "Audit checkpoint NOT written: no audit checkpoint key" in caplog.text
