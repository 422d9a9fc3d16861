"""A browser's user-agent string as a person names the device: "Chrome on Linux",
"Mobile Safari on iOS (iPhone)" (ua-parser's maintained rules)."""

from django.utils.translation import gettext as _
from ua_parser import parse

UNKNOWN = "Other"


def device_name(user_agent: str) -> str:
    if not user_agent:
        return _("An unknown browser")
    result = parse(user_agent[:1000])
    browser = result.user_agent.family if result.user_agent else UNKNOWN
    system = result.os.family if result.os else UNKNOWN
    phone = result.device.family if result.device and result.device.family != UNKNOWN else ""
    if browser == UNKNOWN and system == UNKNOWN:
        return _("An unknown browser")
    name = _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return f"{name} ({phone})" if phone and phone not in name else name
