"""Words that reach templates as data (document states, timeline entries, yes/no) and are
translated there with ``_(value)``. Listing them here puts them in the catalogues; an
add-on lists its own states the same way (``lazy_gettext`` in any of its modules)."""

from core.i18n import lazy_gettext as _l

STATES = [
    _l("draft"),
    _l("submitted"),
    _l("approved"),
    _l("rejected"),
    _l("done"),
    _l("cancelled"),
    _l("confirmed"),
    _l("posted"),
    _l("paid"),
]
TIMELINE = [
    _l("note"),
    _l("create"),
    _l("update"),
    _l("transition"),
    _l("approve"),
    _l("reject"),
    _l("delete"),
]
WORKFLOW = [_l("Approve"), _l("Reject"), _l("submit"), _l("cancel"), _l("reopen"), _l("confirm")]
BOOLEAN = [_l("yes"), _l("no")]
ERRORS = [
    _l("Database not initialised"),
    _l("Needs upgrade"),
    _l("Add-on unavailable"),
    _l("PDF not made"),
    _l("PDF took too long"),
    _l("PDF too large"),
]

# marshmallow's messages and the services' own, translated where a page shows them
# (core.i18n.translate_message); the JSON API answers them in English.
N_ = str  # extraction marker (see core.i18n.N_)
MESSAGES = [
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid input."),
    N_("Invalid type."),
    N_("Invalid value."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid email address."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid string."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid URL."),
    N_("Number too large."),
    N_("String does not match expected pattern."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Unknown field."),
    N_("must not be negative"),
    N_("not a phone number"),
    N_("unknown customer group"),
    N_("unknown payment term"),
    N_("unknown category"),
    N_("unknown partner"),
    N_("KDV rate must be 0, 1, 10 or 20"),
    N_("not a valid Turkish tax number (VKN: 10 digits with its check digit)"),
    N_("not a valid Turkish national id (TCKN: 11 digits with its check digits)"),
    N_("give a tax number or a national id, not both"),
    N_(
        "not a valid Turkish tax number (VKN: 10 digits with its check digit)"
        " or national id (TCKN: 11 digits with its check digits)"
    ),
    N_("16 digits"),
    N_("not a web address (www.example.com.tr)"),
    N_("a user is needed for this action"),
    N_("no self-approval: the requester cannot approve their own document"),
    N_("a rejection needs a reason"),
]
MESSAGE_TEMPLATES = [
    N_("This needs the role {role}."),
    N_("Longer than maximum length {max}."),
    N_("Shorter than minimum length {min}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be one of: {choices}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("unknown currency {value} (an ISO 4217 code such as TRY)"),
    N_("{code} is already used by another product"),
    N_("{name} is not a vendor"),
    N_("{action} is not allowed from state {state}"),
    N_("{action} needs the role {role}"),
    N_("{document} has no action {action}"),
    N_("{document} is not waiting for an approval"),
    N_("approving this step needs the role {role}"),
    N_("{document} was decided by someone else at the same moment: reload it"),
]
