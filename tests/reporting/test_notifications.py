"""Workflow emails are queued after commit and sent by a real Celery worker."""

from pathlib import Path

import pytest
from django.db import transaction

from accounts.models import User
from commitments import services
from commitments.models import Submission
from tests.worker import CeleryWorker


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    return tmp_path / "mail"


@pytest.mark.django_db(transaction=True)
def test_submit_return_and_accept_emails_are_sent_by_the_worker(
    celery_worker_factory, mail_dir: Path, contact: User, reviewer: User, cycle, french_commitments
) -> None:
    from tests.conftest import fill_all

    worker: CeleryWorker = celery_worker_factory(EMAIL_URL="filemail://", EMAIL_FILE_PATH=str(mail_dir))
    draft = services.submission_start(member_state=contact.member_state, cycle=cycle, actor=contact)  # type: ignore[arg-type]
    fill_all(draft, contact)
    submitted = services.submission_submit(submission=draft, actor=contact)
    worker.wait_for(lambda: _mails(mail_dir, "submitted its report"), "the 'submitted' email to the secretariat")
    assert reviewer.email in _mails(mail_dir, "submitted its report")[0]

    update = submitted.updates.first()
    assert update is not None
    services.submission_return(
        submission=submitted, actor=reviewer, seen_version=submitted.version, comments={update.pk: "More detail."}
    )
    worker.wait_for(lambda: _mails(mail_dir, "returned for changes"), "the 'returned' email to the contacts")
    assert contact.email in _mails(mail_dir, "returned for changes")[0]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing(
    celery_worker_factory, mail_dir: Path, contact: User, reviewer: User, cycle, french_commitments
) -> None:
    from tests.conftest import fill_all

    worker: CeleryWorker = celery_worker_factory(EMAIL_URL="filemail://", EMAIL_FILE_PATH=str(mail_dir))
    draft = services.submission_start(member_state=contact.member_state, cycle=cycle, actor=contact)  # type: ignore[arg-type]
    fill_all(draft, contact)

    def submit_then_fail() -> None:
        with transaction.atomic():
            services.submission_submit(submission=draft, actor=contact)
            raise RuntimeError("the request failed after the submit")

    with pytest.raises(RuntimeError):
        submit_then_fail()
    assert Submission.objects.get(pk=draft.pk).status == Submission.Status.DRAFT
    # A later, committed change is delivered; the rolled-back one never is.
    services.submission_submit(submission=draft, actor=contact)
    worker.wait_for(lambda: _mails(mail_dir, "submitted its report"), "the committed submission's email")
    assert "(round 1)" in _mails(mail_dir, "submitted its report")[0]
    assert len(_mails(mail_dir, "submitted its report")) == 1


def _mails(folder: Path, needle: str) -> list[str]:
    if not folder.exists():
        return []
    texts = [path.read_text() for path in sorted(folder.glob("*.log"))]
    return [text for text in texts if needle in text]
