from . import account_move_billing_amount_mixin, account_move_billing_reason_mixin
from . import practice_charge_invoice
from . import account_move_billing_adjust
from . import account_move_billing_payment
from . import account_move_billing_void
from . import account_move_billing_refund
from . import account_move_billing_waive
from . import practice_ar_aging_as_of
from . import account_move_billing_extend_due
from . import account_move_billing_write_in
from . import account_payment_register
from . import res_partner_billing_pause
from . import practice_charge_billing_run
from . import practice_statement_generate
from . import res_partner_billing_refund_credit
from . import account_move_billing_release
