"""What goes to the relay: headers that decode to exactly what was composed, however long and
however Vietnamese, whether or not the relay takes UTF-8 headers."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from aiosmtplib.email import flatten_message
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifications.settings import NotificationsSettings
from services.notifications.smtp import build_message

SUBJECT = ("Kết quả Cuộc thi sáng kiến kiểm thử cải cách hành chính năm 2026 của tỉnh Bắc Ninh: "
           "sáng kiến T72CC016A-000001-7P")
WORDS = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ",
                min_size=1, max_size=12)


def decoded(utf8: bool, subject: str, name: str) -> tuple[str, str, str, str]:
    msg = build_message(NotificationsSettings(), mail_id="abc123", to_name=name, to_email="a@b.example",
                        subject=subject, text="Kính gửi bạn,\nnội dung", html="<p>Kính gửi</p>")
    back = message_from_bytes(flatten_message(msg, utf8=utf8), policy=policy.default)
    body = back.get_body(("plain",))
    assert body is not None
    return str(back["Subject"]), str(back["To"]), str(back["Message-ID"]), str(body.get_content())


@pytest.mark.parametrize("utf8", [False, True])
def test_a_long_vietnamese_subject_keeps_every_space(utf8: bool) -> None:
    subject, to, message_id, text = decoded(utf8, SUBJECT, "Vũ Thị Dung")
    assert subject == SUBJECT
    assert to == "Vũ Thị Dung <a@b.example>"
    assert message_id == "<abc123@sonoivu.example>"
    assert text.startswith("Kính gửi bạn,")


@settings(max_examples=60)
@given(st.lists(WORDS, min_size=1, max_size=30), st.booleans())
def test_any_subject_of_vietnamese_words_comes_back_the_same(words: list[str], utf8: bool) -> None:
    subject = " ".join(words)
    assert decoded(utf8, subject, "Nguyễn Văn A")[0] == subject
