"""The write benchmark's contacts (bench/autosave.py): the form read as `FormData` reads it, the
body as `fetch` sends it, the percentiles of the saves."""

import pytest

from bench.autosave import AutosaveError, multipart, percentile, read_editor_form

PAGE = """
<form method="post" action="/accounts/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="x"></form>
<form method="post" action="/submissions/7/updates/31/" class="update-form" data-autosave data-draft-key="7-31">
  <input type="hidden" name="csrfmiddlewaretoken" value="token">
  <input type="hidden" name="c31-version" value="4" id="id_c31-version">
  <select name="c31-status">
    <option value="">---</option><option value="in_progress" selected>In progress</option>
  </select>
  <select name="c31-confidentiality"><option value="public">Public</option><option>members</option></select>
  <input type="number" name="c31-completion_percent" value="40">
  <textarea name="c31-narrative">
Work is under way &amp; on time.</textarea>
  <input type="hidden" name="c31-ms-TOTAL_FORMS" value="1">
  <input type="checkbox" name="c31-ms-0-done">
  <input type="checkbox" name="c31-ms-0-DELETE" checked>
  <input type="file" name="c31-file">
  <input type="text" name="c31-disabled" value="no" disabled>
  <button type="submit" name="go">Save</button>
</form>
<form data-autosave action="/submissions/7/updates/32/"><input name="c32-version" value="1"></form>
"""


def test_it_reads_the_first_autosaved_form_as_form_data_collects_it() -> None:
    form = read_editor_form(PAGE)

    assert form.action == "/submissions/7/updates/31/"
    assert form.fields == [
        ("csrfmiddlewaretoken", "token"),
        ("c31-version", "4"),
        ("c31-status", "in_progress"),
        ("c31-confidentiality", "public"),  # no option selected: the first
        ("c31-completion_percent", "40"),
        ("c31-narrative", "Work is under way & on time."),  # the newline after <textarea> dropped
        ("c31-ms-TOTAL_FORMS", "1"),
        ("c31-ms-0-DELETE", "on"),  # the unchecked box is not sent
    ]
    assert form.files == ["c31-file"]


def test_a_page_without_an_autosaved_form_is_refused() -> None:
    with pytest.raises(AutosaveError, match="no autosaved update form"):
        read_editor_form('<form action="/x/"><input name="a"></form>')


def test_the_body_is_multipart_with_every_field_and_an_empty_file() -> None:
    content_type, body = multipart([("c31-narrative", "Done."), ("c31-version", "4")], ["c31-file"])

    boundary = content_type.removeprefix("multipart/form-data; boundary=")
    text = body.decode()
    assert text.count(f"--{boundary}\r\n") == 3
    assert text.endswith(f"--{boundary}--\r\n")
    assert 'name="c31-narrative"\r\n\r\nDone.\r\n' in text
    assert 'name="c31-file"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n' in text


@pytest.mark.parametrize(("share", "value"), [(0.5, 50.0), (0.99, 99.0), (1.0, 100.0), (0.001, 1.0)])
def test_the_percentile_is_the_nearest_rank(share: float, value: float) -> None:
    values = [float(n) for n in range(100, 0, -1)]

    assert percentile(values, share) == value


def test_the_99th_percentile_of_few_saves_is_the_slowest() -> None:
    assert percentile([12.0, 80.0, 15.0], 0.99) == 80.0


def test_the_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.99)
