"""Hand-written Vietnamese initiative texts for the tests (fictional, no real people)."""

from __future__ import annotations

from services.submission.domain.similarity import fold_diacritics

# An initiative about the one-stop shop: appointments, queue numbers and SMS notifications.
MOT_CUA_PARAGRAPHS = (
    "Thực trạng: tại Bộ phận Một cửa của Ủy ban nhân dân cấp xã, người dân thường phải đến từ sáng sớm "
    "để lấy số thứ tự, nhiều người chờ hơn hai giờ mới được tiếp nhận hồ sơ. Vào những ngày cao điểm như "
    "đầu tháng hoặc trước kỳ nghỉ lễ, số lượt giao dịch tăng gấp đôi trong khi chỉ có hai công chức làm "
    "nhiệm vụ tiếp nhận. Việc thông báo bổ sung hồ sơ chủ yếu qua điện thoại nên nhiều trường hợp không "
    "liên lạc được, người dân phải đi lại nhiều lần, gây tốn kém thời gian và chi phí.",
    "Giải pháp: xây dựng hệ thống đặt lịch hẹn trực tuyến gắn với Cổng dịch vụ công của tỉnh. Người dân "
    "chọn thủ tục, chọn khung giờ còn trống và nhận mã hẹn qua tin nhắn. Khi đến Bộ phận Một cửa, người "
    "dân quét mã tại ki-ốt để được xếp vào hàng đợi ưu tiên theo giờ đã hẹn. Màn hình điện tử hiển thị số "
    "đang được phục vụ và thời gian chờ dự kiến. Mỗi khi hồ sơ chuyển bước xử lý hoặc cần bổ sung giấy tờ, "
    "hệ thống tự động gửi tin nhắn kèm đường dẫn tra cứu tình trạng hồ sơ.",
    "Cách thức triển khai: công chức Văn phòng phối hợp với đơn vị cung cấp phần mềm cấu hình danh mục "
    "thủ tục, định mức thời gian tiếp nhận cho từng loại hồ sơ và số quầy phục vụ theo từng buổi. Trong "
    "tháng đầu, đoàn viên thanh niên hỗ trợ người cao tuổi đặt lịch ngay tại nhà văn hóa thôn. Kết quả "
    "đánh giá mức độ hài lòng được thu thập bằng máy tính bảng đặt tại quầy sau mỗi lượt giao dịch.",
    "Hiệu quả: sau sáu tháng áp dụng thử, thời gian chờ trung bình giảm từ chín mươi phút xuống còn mười "
    "lăm phút, số lượt người dân phải đi lại để bổ sung hồ sơ giảm khoảng sáu mươi phần trăm. Tỷ lệ hài "
    "lòng đạt trên chín mươi lăm phần trăm. Giải pháp không đòi hỏi đầu tư lớn, có thể nhân rộng cho các "
    "xã, phường khác trong tỉnh vì chỉ cần tận dụng hạ tầng sẵn có và tài khoản dịch vụ công của người dân.",
)
MOT_CUA_TEXT = "\n\n".join(MOT_CUA_PARAGRAPHS)

# A different topic: paying fees online instead of in cash at the counter.
THANH_TOAN_TEXT = "\n\n".join(
    (
        "Thực trạng: phần lớn lệ phí đăng ký kinh doanh và phí thẩm định hồ sơ xây dựng của huyện vẫn được "
        "thu bằng tiền mặt. Kế toán phải lập biên lai giấy, cuối ngày đối chiếu thủ công và nộp vào kho bạc, "
        "dễ xảy ra sai sót và chậm trễ. Doanh nghiệp ở xa phải cử nhân viên đến nộp tiền dù hồ sơ đã được "
        "gửi qua mạng.",
        "Nội dung giải pháp: kết nối phần mềm quản lý thu phí với nền tảng thanh toán trực tuyến quốc gia. "
        "Sau khi hồ sơ được chấp nhận, hệ thống sinh mã thanh toán duy nhất; doanh nghiệp quét mã bằng ứng "
        "dụng ngân hàng, biên lai điện tử được phát hành tự động và lưu vào kho dữ liệu của cơ quan thuế. "
        "Kế toán chỉ cần xem báo cáo đối soát tự động vào cuối ngày.",
        "Kết quả: tỷ lệ thanh toán không dùng tiền mặt tăng từ mười lên bảy mươi tám phần trăm trong một "
        "quý, thời gian đối soát giảm từ hai giờ xuống mười phút mỗi ngày, không còn chênh lệch quỹ. Cách "
        "làm này có thể áp dụng cho mọi khoản phí, lệ phí thuộc thẩm quyền cấp huyện.",
    )
)

# Another topic: digitising civil-status archives.
HO_TICH_TEXT = "\n\n".join(
    (
        "Sổ hộ tịch lưu trữ tại các xã từ nhiều thập kỷ trước bị ẩm mốc, rách nát, việc tìm kiếm một bản "
        "trích lục khai sinh có khi mất cả buổi. Đơn vị đề xuất thành lập tổ số hóa gồm công chức tư pháp "
        "và sinh viên thực tập, quét từng trang sổ, nhập các trường thông tin chính và đối chiếu hai lần.",
        "Dữ liệu sau khi làm sạch được đồng bộ vào cơ sở dữ liệu hộ tịch điện tử, cho phép cấp bản sao trích "
        "lục trong ngày và trả kết quả qua bưu chính công ích. Bản giấy gốc được đóng gói, bảo quản theo "
        "đúng quy định về lưu trữ.",
    )
)


def without_diacritics_and_reordered() -> str:
    """The one-stop-shop text retyped without accents, with two paragraphs swapped."""
    p = [fold_diacritics(x) for x in MOT_CUA_PARAGRAPHS]
    return "\n\n".join((p[0], p[2], p[1], p[3]))
