"""Pure, table-driven rules: field validation, eligibility (ADF/JDR, exclusions), deadlines.

No I/O, except reading the packaged deadline rules (connector/config/deadlines.toml) or a user
file in the same format. Every function that needs "today" takes it as an argument.
"""

from connector.rules.deadlines import (
    DeadlineKind,
    DeadlineRule,
    DeadlineRules,
    DeadlineVerdict,
    load_deadline_rules,
    parse_deadline_rules,
)
from connector.rules.eligibility import Policy, assess
from connector.rules.validation import (
    Certification,
    Checked,
    CodeListRule,
    PortalTraining,
    check_birth_name,
    check_certification,
    check_codes,
    check_jdr_type,
    check_modalite,
    check_nir,
    check_rome_codes,
    check_rs_code,
    check_siret,
    check_text,
    check_trainer_qualification,
    check_training,
    check_training_dates,
    check_training_name,
    check_validity,
    mask_nir,
    split_codes,
)

__all__ = [
    "Certification",
    "Checked",
    "CodeListRule",
    "DeadlineKind",
    "DeadlineRule",
    "DeadlineRules",
    "DeadlineVerdict",
    "Policy",
    "PortalTraining",
    "assess",
    "check_birth_name",
    "check_certification",
    "check_codes",
    "check_jdr_type",
    "check_modalite",
    "check_nir",
    "check_rome_codes",
    "check_rs_code",
    "check_siret",
    "check_text",
    "check_trainer_qualification",
    "check_training",
    "check_training_dates",
    "check_training_name",
    "check_validity",
    "load_deadline_rules",
    "mask_nir",
    "parse_deadline_rules",
    "split_codes",
]
