from . import base
from . import (
    account_move,
    account_move_late_fee,
    account_move_line,
    account_move_payment,
    account_move_portal,
    account_move_seal,
    account_payment,
    ir_ui_menu,
    payment_transaction,
    practice_ar_aging,
    practice_charge,
    practice_claim,
    practice_client,
    practice_session,
    res_company,
    res_users,
)
from . import res_company_autopay
from . import practice_autopay_consent
from . import res_partner_autopay
from . import res_partner_credit
from . import account_move_credit
from . import account_move_autopay
