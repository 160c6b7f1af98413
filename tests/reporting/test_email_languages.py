"""Emails in their recipient's language: the one each person chose (kept on their account), the
tracker's default otherwise; dates written as people write them in that language."""

from datetime import timedelta

from django.core import mail
from django.utils import translation
from django.utils.formats import date_format

from accounts.models import User
from commitments.models import ReportingCycle, Submission
from commitments.notifications import send_submission_notification
from commitments.reminders import reminders_send


def message_to(user: User) -> mail.EmailMessage:
    (message,) = [message for message in mail.outbox if message.to == [user.email]]
    return message


def test_returned_and_accepted_emails_are_in_each_contacts_language(
    contact: User, colleague: User, submitted: Submission
) -> None:
    User.objects.filter(pk=contact.pk).update(language="fr")
    User.objects.filter(pk=colleague.pk).update(language="es")
    cycle = submitted.cycle.name
    state = submitted.member_state.name

    send_submission_notification(submitted, "returned")
    french = message_to(contact)
    assert french.subject == f"Votre rapport pour {cycle} vous a été renvoyé pour révision"
    assert french.body.startswith(f"Le secrétariat a renvoyé le rapport de {state} pour {cycle}")
    assert message_to(colleague).subject == f"Su informe para {cycle} fue devuelto para revisión"

    mail.outbox.clear()
    User.objects.filter(pk=colleague.pk).update(language="")  # no choice: the tracker's default
    send_submission_notification(submitted, "accepted")
    assert message_to(contact).subject == f"Votre rapport pour {cycle} a été accepté"
    assert message_to(colleague).subject == f"Your report for {cycle} was accepted"
    assert translation.get_language() == "en-gb"  # the worker's own language is left as it was


def test_a_reminder_is_in_its_recipients_language_with_the_date_in_it(
    foreign_contact: User, cycle: ReportingCycle, submitted: Submission
) -> None:
    User.objects.filter(pk=foreign_contact.pk).update(language="fr")
    reminders_send(today=cycle.due_on - timedelta(days=14))
    message = message_to(foreign_contact)
    assert foreign_contact.member_state is not None
    state = foreign_contact.member_state.name
    with translation.override("fr"):
        due = date_format(cycle.due_on, "j F Y")  # 1 avril 2027
    assert message.subject == f"Rappel\u00a0: le rapport de {state} pour {cycle.name} est attendu le {due}"
    assert due in message.body
    assert "n'a pas encore été soumis" in message.body
