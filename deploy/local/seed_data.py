"""Demo content: fictional people, real-sounding units and initiatives, written for this project.

No real person's name or personal data: names are composed from common Vietnamese family,
middle and given names, e-mails use the reserved ``.example`` domain.
"""

from __future__ import annotations

CATEGORIES: list[dict[str, str]] = [
    {"key": "tthc", "name": "Thủ tục hành chính"},
    {"key": "cds", "name": "Chuyển đổi số"},
    {"key": "tcbm", "name": "Tổ chức bộ máy"},
    {"key": "cvcc", "name": "Công vụ - công chức"},
    {"key": "tcc", "name": "Tài chính công"},
    {"key": "dvc", "name": "Dịch vụ công trực tuyến"},
]

UNITS = [
    "Sở Tư pháp", "Sở Tài chính", "Sở Thông tin và Truyền thông", "Sở Tài nguyên và Môi trường",
    "UBND huyện Tiên Du", "UBND thành phố Từ Sơn", "UBND xã Tân Chi", "UBND phường Đình Bảng",
    "Trung tâm Phục vụ hành chính công tỉnh", "Bảo hiểm xã hội tỉnh",
]

JUDGES = [
    ("Nguyễn Văn Hải", "Sở Nội vụ", ["tthc", "tcbm", "cvcc"]),
    ("Trần Thị Mai", "Sở Tư pháp", ["tthc", "dvc"]),
    ("Lê Minh Tuấn", "Sở Thông tin và Truyền thông", ["cds", "dvc"]),
    ("Phạm Thu Hằng", "Sở Tài chính", ["tcc", "cvcc"]),
    ("Hoàng Đức Anh", "Văn phòng UBND tỉnh", []),
    ("Vũ Thị Lan", "Trường Chính trị tỉnh", ["tcbm", "cvcc", "tthc"]),
]

PARTICIPANTS = [
    ("Đỗ Quang Huy", "UBND xã Tân Chi"),
    ("Bùi Thị Ngọc", "Trung tâm Phục vụ hành chính công tỉnh"),
    ("Ngô Văn Thành", "UBND huyện Tiên Du"),
    ("Đặng Thị Hoa", "Sở Tài nguyên và Môi trường"),
    ("Lý Minh Khoa", "UBND phường Đình Bảng"),
    ("Trịnh Thị Thu", "Bảo hiểm xã hội tỉnh"),
]

AUTHOR_GROUPS = ["Cán bộ, công chức, viên chức", "Doanh nghiệp", "Người dân"]
"""Who may take part (the contests' eligible groups); the season report counts entries by them."""
PARTICIPANT_GROUP = {4: "Người dân"}
"""A participant's group when not a civil servant (index into PARTICIPANTS): a resident who sends
an idea through the ward."""

# (category, title, the problem, the solution, the measured benefit)
INITIATIVES = [
    ("tthc", "Số hoá quy trình tiếp nhận hồ sơ đất đai tại Bộ phận Một cửa cấp xã",
     "hồ sơ đất đai được tiếp nhận bằng giấy, cán bộ phải nhập lại nhiều lần và người dân đi lại nhiều lượt",
     "quét và gắn mã QR cho từng hồ sơ ngay khi tiếp nhận, chuyển xử lý trên phần mềm một cửa điện tử",
     "thời gian giải quyết giảm từ 15 ngày xuống 9 ngày, số lượt đi lại của người dân giảm một nửa"),
    ("tthc", "Bộ mẫu tờ khai điền sẵn cho thủ tục chứng thực và hộ tịch",
     "người dân thường khai sai tờ khai chứng thực, hộ tịch và phải bổ sung nhiều lần",
     "xây dựng bộ mẫu tờ khai điền sẵn có hướng dẫn, đặt tại quầy và đăng trên cổng thông tin",
     "tỷ lệ hồ sơ phải bổ sung giảm từ 23% xuống còn 6% sau sáu tháng áp dụng"),
    ("cds", "Trợ lý ảo trả lời câu hỏi về thủ tục hành chính trên Zalo của xã",
     "cán bộ một cửa mất nhiều thời gian trả lời cùng một câu hỏi qua điện thoại",
     "xây dựng kho câu hỏi thường gặp và trợ lý trả lời tự động trên trang Zalo chính thức của UBND xã",
     "hơn 4.000 lượt hỏi đáp mỗi tháng được trả lời ngay, cuộc gọi đến bộ phận một cửa giảm 40%"),
    ("cds", "Ký số hàng loạt văn bản đi trên hệ thống quản lý văn bản điều hành",
     "lãnh đạo phải ký từng văn bản, văn bản đi chậm vào cuối ngày",
     "tích hợp chức năng ký số hàng loạt có kiểm soát vào hệ thống quản lý văn bản",
     "thời gian phát hành văn bản trung bình giảm từ 1,5 ngày xuống dưới 4 giờ"),
    ("tcbm", "Sắp xếp lại vị trí việc làm tại các phòng chuyên môn cấp huyện",
     "một số vị trí việc làm chồng chéo nhiệm vụ, có nơi thừa có nơi thiếu người",
     "rà soát khối lượng công việc theo từng vị trí và đề xuất phân công lại theo bảng định mức",
     "giảm 7 vị trí trùng lặp, bố trí lại 12 công chức vào các lĩnh vực đang quá tải"),
    ("cvcc", "Sổ tay công vụ điện tử cho công chức mới tuyển dụng",
     "công chức mới mất nhiều thời gian tìm hiểu quy trình nội bộ và quy định công vụ",
     "biên soạn sổ tay công vụ điện tử có tra cứu nhanh và bài kiểm tra ngắn sau mỗi chương",
     "thời gian hội nhập công việc của công chức mới rút ngắn từ ba tháng xuống còn khoảng sáu tuần"),
    ("cvcc", "Đánh giá công chức hằng tháng bằng phiếu điện tử gắn với kết quả công việc",
     "việc đánh giá công chức còn hình thức, thiếu căn cứ định lượng",
     "áp dụng phiếu đánh giá điện tử hằng tháng gắn với số nhiệm vụ hoàn thành đúng hạn",
     "100% công chức được đánh giá hằng tháng, số nhiệm vụ quá hạn giảm 35%"),
    ("tcc", "Công khai dự toán và quyết toán ngân sách xã bằng bảng tin điện tử",
     "người dân khó tiếp cận thông tin thu chi ngân sách xã",
     "đăng tải dự toán, quyết toán ngân sách xã dưới dạng biểu đồ dễ hiểu trên bảng tin điện tử",
     "số ý kiến phản ánh về ngân sách được trả lời đúng hạn tăng lên 95%"),
    ("tcc", "Thanh toán không dùng tiền mặt phí, lệ phí tại Trung tâm Phục vụ hành chính công",
     "thu phí, lệ phí bằng tiền mặt mất thời gian đối chiếu và dễ sai sót",
     "triển khai mã QR thanh toán cho từng hồ sơ, tự động đối soát với kho bạc",
     "78% khoản phí được thanh toán không dùng tiền mặt, thời gian đối soát cuối ngày giảm 80%"),
    ("dvc", "Hướng dẫn trực tuyến nộp hồ sơ dịch vụ công mức độ toàn trình bằng video ngắn",
     "tỷ lệ hồ sơ nộp trực tuyến còn thấp do người dân chưa quen thao tác",
     "sản xuất chuỗi video hướng dẫn dưới hai phút cho 20 thủ tục phổ biến nhất",
     "tỷ lệ hồ sơ trực tuyến toàn trình tăng từ 31% lên 64% trong một năm"),
    ("dvc", "Tổ công nghệ số cộng đồng hỗ trợ người cao tuổi sử dụng dịch vụ công",
     "người cao tuổi gặp khó khăn khi sử dụng dịch vụ công trực tuyến",
     "thành lập tổ công nghệ số cộng đồng tại thôn, hỗ trợ trực tiếp tại nhà văn hoá vào cuối tuần",
     "hơn 1.200 người cao tuổi được hỗ trợ, 900 tài khoản định danh điện tử được kích hoạt"),
    ("tthc", "Liên thông thủ tục đăng ký khai sinh, thường trú và cấp thẻ bảo hiểm y tế cho trẻ em",
     "cha mẹ phải đến ba cơ quan khác nhau để làm thủ tục cho trẻ mới sinh",
     "liên thông ba thủ tục trên một hồ sơ điện tử, trả kết quả tại nhà qua bưu chính",
     "thời gian hoàn thành giảm từ 20 ngày xuống 5 ngày, người dân chỉ cần nộp hồ sơ một lần"),
]


def sections(problem: str, solution: str, benefit: str) -> dict[str, str]:
    """The five long sections of the form, written out from an initiative's three facts. They name
    no person and no unit: judges read them blind (the unit goes in its own field)."""
    return {
        "current_situation": (
            f"Tại đơn vị, {problem}. Tình trạng này kéo dài nhiều năm, làm tăng chi phí tuân thủ của người dân, "
            "doanh nghiệp và ảnh hưởng đến chỉ số hài lòng về sự phục vụ của cơ quan hành chính nhà nước."
        ),
        "solution": (
            f"Sáng kiến đề xuất {solution}. Các bước thực hiện gồm: khảo sát hiện trạng, xây dựng quy trình mới, "
            "tập huấn cho cán bộ, thí điểm trong ba tháng, đánh giá và hoàn thiện trước khi áp dụng chính thức."
        ),
        "novelty": (
            "Đây là lần đầu giải pháp này được áp dụng tại đơn vị; cách làm kết hợp công cụ sẵn có với quy trình "
            "được thiết kế lại, không đòi hỏi đầu tư hạ tầng mới và phù hợp với điều kiện của địa phương."
        ),
        "effectiveness": (
            f"Sau thời gian áp dụng, {benefit}. Kết quả được đo bằng số liệu của phần mềm một cửa điện tử và "
            "phiếu khảo sát mức độ hài lòng của người dân."
        ),
        "applicability": (
            "Giải pháp có thể nhân rộng ra các xã, phường và các sở, ngành có thủ tục tương tự; tài liệu hướng dẫn "
            "và biểu mẫu đã được chuẩn hoá để các đơn vị khác sử dụng ngay."
        ),
        "cost": "Chi phí chủ yếu là thời gian của cán bộ và kinh phí tập huấn, ước khoảng 15 triệu đồng.",
    }


#: The demo province's unit directory (code, name, kind, headcount, other spellings).
DIRECTORY: list[tuple[str, str, str, int, list[str]]] = [
    ("SNV", "Sở Nội vụ", "Sở, ban, ngành", 62, ["SNV"]),
    ("STP", "Sở Tư pháp", "Sở, ban, ngành", 48, ["STP"]),
    ("STC", "Sở Tài chính", "Sở, ban, ngành", 71, ["STC"]),
    ("STNMT", "Sở Tài nguyên và Môi trường", "Sở, ban, ngành", 95, ["Sở TN&MT", "STNMT"]),
    ("STTTT", "Sở Thông tin và Truyền thông", "Sở, ban, ngành", 54, ["Sở TT&TT", "STTTT"]),
    ("VPUB", "Văn phòng UBND tỉnh", "Sở, ban, ngành", 88, ["VP UBND tỉnh"]),
    ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh", "Sở, ban, ngành", 40, ["TTPVHCC"]),
    ("TCT", "Trường Chính trị tỉnh", "Sở, ban, ngành", 36, []),
    ("TIENDU", "UBND huyện Tiên Du", "Cấp huyện", 120, ["UBND huyện Tiên Du, tỉnh Bắc Ninh"]),
    ("DINHBANG", "UBND phường Đình Bảng", "Cấp xã", 28, []),
    ("TANCHI", "UBND xã Tân Chi", "Cấp xã", 22, []),
    ("TUSON", "UBND thành phố Từ Sơn", "Cấp huyện", 140, ["UBND TP Từ Sơn"]),
    ("BHXH", "Bảo hiểm xã hội tỉnh", "Sở, ban, ngành", 90, ["BHXH tỉnh"]),
]


#: Last year's prizes (the amounts the province awarded); every judged entry scores 50 or more.
PRIZES_2025: dict[str, object] = {
    "tiers": [{"key": "first", "name": "Giải Nhất", "name_en": "First Prize", "count": 1, "prize_vnd": 15_000_000,
               "min_score": 50},
              {"key": "second", "name": "Giải Nhì", "name_en": "Second Prize", "count": 2, "prize_vnd": 10_000_000,
               "min_score": 50},
              {"key": "third", "name": "Giải Ba", "name_en": "Third Prize", "count": 3, "prize_vnd": 5_000_000,
               "min_score": 50}],
    "tie_break": ["criterion:effectiveness", "submitted_at"], "place": "Bắc Ninh"}

#: Unit coordinators (đầu mối đơn vị): directory code -> full name.
COORDINATORS: dict[str, str] = {
    "TIENDU": "Nguyễn Thị Phương", "TUSON": "Trần Văn Dũng", "TANCHI": "Lê Thị Hồng", "DINHBANG": "Phạm Minh Đức",
    "TTPVHCC": "Hoàng Thị Yến", "STP": "Vũ Đình Long", "STC": "Đinh Thị Thảo", "BHXH": "Cao Văn Nam",
    "STNMT": "Mai Thị Hương", "STTTT": "Kiều Văn Tùng",
}

#: One unit's part in a plan: ``None`` (not answered yet), ``("decline", reason)`` or
#: ``("reports", [(stage, reason, days ago measured, {indicator: value}), ...], evidence file name)``.
Script = tuple[str, object, str] | None


def report(*steps: tuple[str, str, int, dict[str, float]], evidence: str = "") -> Script:
    return ("reports", list(steps), evidence)


def decline(reason: str) -> Script:
    return ("decline", reason, "")


#: Replication plans of last year's winners, by rank: target units (directory codes; the
#: initiative's own unit is left out), days until the deadline, the benefit indicators
#: (key, name, unit of measure, value type, baseline) and what each unit did. The short
#: deadline of the third plan lets its silent units fall overdue.
REPLICATIONS: list[dict[str, object]] = [
    {"rank": 1, "due_days": 45, "indicators": [
        ("days", "Thời gian giải quyết hồ sơ", "ngày/hồ sơ", "days", 15),
        ("monthly", "Hồ sơ giải quyết mỗi tháng", "hồ sơ/tháng", "count", 180),
        ("satisfaction", "Mức độ hài lòng của người dân", "%", "percent", 82)],
     "units": {
        "TIENDU": report(("piloting", "", 45, {"days": 12, "monthly": 195}),
                         ("applied", "", 12, {"days": 9, "monthly": 240, "satisfaction": 91}),
                         evidence="Quyết định áp dụng sáng kiến - UBND huyện Tiên Du.pdf"),
        "TUSON": report(("applied", "", 40, {"days": 10, "monthly": 310}),
                        ("institutionalised", "", 6, {"days": 8, "monthly": 335, "satisfaction": 94})),
        "TANCHI": decline("Đơn vị chưa có phần mềm một cửa điện tử kết nối với hệ thống của tỉnh; sẽ xem xét "
                          "áp dụng khi được đầu tư hạ tầng trong năm tới."),
        "DINHBANG": report(("piloting", "", 8, {"days": 13})),
        "TTPVHCC": None,
     }},
    {"rank": 2, "due_days": 75, "indicators": [
        ("cost", "Chi phí in ấn, văn phòng phẩm", "VNĐ/năm", "vnd", 48_000_000),
        ("procedures", "Thủ tục được đơn giản hoá", "thủ tục", "count", 0),
        ("days", "Thời gian xử lý hồ sơ", "ngày/hồ sơ", "days", 5)],
     "units": {
        "STP": report(("applied", "", 20, {"cost": 30_500_000, "procedures": 4, "days": 3})),
        "STC": report(("piloting", "", 10, {"cost": 41_000_000, "procedures": 1})),
        "BHXH": report(("applied", "", 35, {"cost": 36_000_000, "days": 4}),
                       ("stopped", "Tạm dừng để chuyển sang hệ thống nghiệp vụ mới của ngành; sẽ áp dụng lại "
                                   "sau khi hoàn tất chuyển đổi dữ liệu.", 9, {})),
        "STNMT": None,
     }},
    {"rank": 3, "due_days": 1, "indicators": [
        ("online", "Tỷ lệ hồ sơ nộp trực tuyến toàn trình", "%", "percent", 31)],
     "units": {
        "STTTT": report(("applied", "", 15, {"online": 58})),
        "TANCHI": None,
        "DINHBANG": None,
     }},
]
