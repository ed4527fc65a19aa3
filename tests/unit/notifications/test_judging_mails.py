"""The judges' reminder and the authors' feedback, as the composer words them."""

from __future__ import annotations

from services.notifications.composer import Composer
from tests.unit.notifications.test_composer import PARAMS


def test_a_scheduled_reminder_says_how_many_sheets_wait_and_the_deadline_in_vietnam_time() -> None:
    m = Composer("http://portal").compose("reminder", "vi", PARAMS)
    assert m.subject == "Nhắc hạn chấm: còn 3 bài chưa nộp điểm – Cuộc thi sáng kiến CCHC 2026, vòng 1"
    assert "Bạn còn 3 trong 5 bài của vòng chấm 1" in m.text
    assert "Hạn chấm: 05/12/2026 23:59 (giờ Việt Nam)." in m.text
    assert "http://portal/judging/" in m.text and "nhắc bạn" not in m.text  # no organiser's words: scheduled


def test_an_organisers_reminder_carries_their_words_in_the_judges_language() -> None:
    words = {"manual": True, "message": "Xin hoàn thành <sớm>"}
    m = Composer("http://portal").compose("reminder", "en", {**PARAMS, **words})
    assert "remind you: Xin hoàn thành <sớm>" in m.text and "Xin hoàn thành &lt;sớm&gt;" in m.html
    assert m.subject.startswith("The organisers remind you: 3 sheets still to submit")
    done = Composer("http://portal").compose("reminder", "en", {**PARAMS, "manual": True, "pending": 0})
    assert done.subject.startswith("The organisers remind you – ") and "submitted all 5 entries" in done.text


def test_feedback_lists_each_criterions_mean_and_the_comments_without_a_judge() -> None:
    m = Composer("http://portal").compose("feedback", "vi", PARAMS)
    assert m.subject == "Nhận xét của giám khảo về sáng kiến CCHC26-0007"
    assert "- Tính mới <sáng tạo>: 22,50 / 30" in m.text and "- Chi phí: — / 10" in m.text
    assert "- Tính mới <sáng tạo>: Cách làm mới & rõ" in m.text and "- Nên thí điểm ở cấp xã" in m.text
    assert "Tính mới &lt;sáng tạo&gt;" in m.html and "Cách làm mới &amp; rõ" in m.html
    en = Composer("http://portal").compose("feedback", "en", {**PARAMS, "comments": []})
    assert "The judges left no written comments." in en.text
    assert "My initiatives: http://portal/submission/my" in en.text
