"""What an uploaded file is judged to be from its bytes, the name it is shown under, and the image as stored."""
import io

import pytest
from PIL import Image

from services.gateway.attachment_files import MAX_PIXELS, FileRefused, clean, shown_name, sniff
from services.intake.domain import attachments
from services.intake.domain.attachments import AttachRefused

GPS = 0x8825


def image_bytes(fmt, size=(20, 10), exif=None):
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, fmt, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def with_gps():
    exif = Image.Exif()
    exif[GPS] = {1: "N", 2: (22.0, 34.0, 12.5), 3: "E", 4: (88.0, 21.0, 3.2)}
    exif[0x0112] = 6  # orientation: rotate 90 degrees to show upright
    return exif


@pytest.mark.parametrize("fmt,kind,content_type", [("JPEG", "image", "image/jpeg"), ("PNG", "image", "image/png"),
                                                    ("WEBP", "image", "image/webp")])
def test_images_are_known_by_their_bytes_and_stored_without_exif(fmt, kind, content_type):
    data = image_bytes(fmt, exif=with_gps())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS)
    cleaned = clean(data, "photo.pdf", 0)  # the name lies; the bytes decide
    assert (cleaned.kind, cleaned.content_type) == (kind, content_type)
    assert cleaned.name == f"photo.{'jpg' if fmt == 'JPEG' else fmt.lower()}"
    stored = Image.open(io.BytesIO(cleaned.data))
    assert not stored.getexif() and stored.size == (10, 20)  # turned upright by its orientation, then dropped


def test_pdfs_are_kept_as_they_are_and_an_incomplete_one_refused():
    pdf = b"%PDF-1.7\n...\n%%EOF\n"
    assert clean(pdf, "bank statement.PDF", 2).data == pdf
    with pytest.raises(FileRefused) as refused:
        clean(b"%PDF-1.7\ncut off", "x.pdf", 0)
    assert refused.value.status == 400


@pytest.mark.parametrize("data", [b"PK\x03\x04rest of a zip", b"<html><script>", b"GIF89a....", b"MZ\x90\x00",
                                  b"\xff\xd8"])
def test_anything_else_is_refused_as_an_unsupported_type(data):
    assert sniff(data) is None
    with pytest.raises(FileRefused) as refused:
        clean(data, "road.jpg", 0)
    assert refused.value.status == 415


def test_a_damaged_image_and_an_image_bomb_are_refused_unread():
    with pytest.raises(FileRefused) as damaged:
        clean(b"\xff\xd8\xff\xe0" + b"\x00" * 100, "a.jpg", 0)
    assert damaged.value.status == 400
    huge = io.BytesIO()
    Image.new("1", (8000, 6000)).save(huge, "PNG")  # 48 MP of one bit: a small file, a large decode
    assert 8000 * 6000 > MAX_PIXELS
    with pytest.raises(FileRefused, match="megapixels"):
        clean(huge.getvalue(), "bomb.png", 0)


@pytest.mark.parametrize("given,shown", [
    ("../../etc/passwd.jpg", "passwd.jpg"), ("C:\\Users\\me\\ration card.png", "ration card.jpg"),
    ("<script>alert(1)</script>.jpg", "script.jpg"), ("<b onload=x>.png", "b onload_x.jpg"),
    ("রেশন কার্ড.jpeg", "রেশন কার্ড.jpg"), ("", "file-3.jpg"), ("...", "file-3.jpg"),
    ("a\u202egpj.exe", "a_gpj.jpg"), ("x" * 300 + ".jpg", "x" * 80 + ".jpg")])
def test_shown_names_keep_letters_and_drop_folders_markup_and_controls(given, shown):
    assert shown_name(given, "jpg", 2) == shown


CASE = {"status": "routed", "attachments": [{"ref": "a" * 32}]}
CITIZEN = {"sub": "citizen-9830012345", "role": "citizen"}
OFFICER = {"sub": "off-1", "role": "officer"}
FILE = {"ref": "b" * 32, "kind": "pdf", "name": "x.pdf", "size": 10, "content_type": "application/pdf"}


def test_who_attaches_for_what_and_the_per_case_cap():
    attachments.check_may_attach(CASE, "request_info", 1, by_complainant=True, limit=5)
    attachments.check_may_attach(CASE, "resolve", 4, by_complainant=False, limit=5)
    for purpose, complainant in (("resolve", True), ("filing", False), ("note", True)):
        with pytest.raises(AttachRefused):
            attachments.check_may_attach(CASE, purpose, 1, by_complainant=complainant, limit=5)
    with pytest.raises(AttachRefused) as full:
        attachments.check_may_attach(CASE, "note", 5, by_complainant=False, limit=5)
    assert full.value.field == "files"
    with pytest.raises(AttachRefused):
        attachments.check_may_attach({**CASE, "status": "closed"}, "filing", 1, by_complainant=True, limit=5)


def test_an_attachment_is_recorded_with_who_when_why_and_whether_the_complainant_sees_it():
    change = attachments.attach(CASE, [FILE], "note", OFFICER, "NOW", by_complainant=False, limit=5)
    added = change.set["attachments"][-1]
    assert added == {**FILE, "by": {"id": "off-1", "role": "officer"}, "at": "NOW", "purpose": "note",
                     "public": False}
    assert change.timeline[0]["kind"] == "attached" and change.timeline[0]["public"] is False
    assert change.events == [("grievance.attached", {"purpose": "note", "refs": [FILE["ref"]]})]
    public = attachments.attach(CASE, [FILE], "resolve", OFFICER, "NOW", by_complainant=False, limit=5)
    assert public.set["attachments"][-1]["public"] is True


def test_the_form_parser_stops_a_file_at_its_limit_and_a_part_past_the_last_file():
    from services.gateway.attachments import FileTooLarge, _capped_files
    from services.gateway.web import BadRequest

    factory = _capped_files(max_files=2, max_bytes=1000)
    first = factory(None, "image/png", "a.png")
    first.write(b"x" * 1000)
    with pytest.raises(FileTooLarge) as too_large:
        first.write(b"x")  # the 1,001st byte: refused as it arrives, nothing after it is read
    assert too_large.value.details == {"files[0]": ["a.png: more than 1000 bytes; at most 1000."]}
    factory(None, "application/pdf", "b.pdf")
    with pytest.raises(BadRequest):
        factory(None, "image/png", "c.png")
