from . import (
    account_move_billing_adjust,
    account_move_billing_payment,
    account_move_billing_refund,
    account_move_billing_void,
    practice_charge_invoice,
)
