"""Submitting needs a proven e-mail address. The access token says whether the address is
verified (identity's ``email_verified`` claim, read by ``shared.auth``), so submission asks no
one; drafting needs nothing. Checked at the edge, like a role."""

from __future__ import annotations

from shared.auth import Principal
from shared.errors import Forbidden
from shared.web.i18n import N_

MSG_VERIFY_FIRST = N_("Bạn cần xác nhận địa chỉ e-mail trước khi nộp sáng kiến. Hãy mở liên kết trong thư "
                      "xác nhận rồi đăng nhập lại, hoặc gửi lại liên kết tại trang Tài khoản của tôi.")


def require_verified(user: Principal) -> None:
    """Refuse (403) a person whose token does not say the address is verified; the body names
    where to ask for a new link."""
    if not user.email_verified:
        raise Forbidden(MSG_VERIFY_FIRST, extra={"email_verification_required": True,
                                                 "resend_url": "/identity/api/email-verification"})
