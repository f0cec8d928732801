from . import practice_charge_invoice
from . import account_move_billing_adjust
from . import account_move_billing_payment
from . import account_move_billing_void
from . import account_move_billing_refund
