from . import practice_charge_invoice
from . import account_move_billing_adjust
from . import account_move_billing_payment
from . import account_move_billing_void
from . import account_move_billing_refund
from . import account_move_billing_waive
from . import practice_ar_aging_as_of
from . import account_move_billing_extend_due
