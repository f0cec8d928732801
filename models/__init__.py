from . import base, parent_billing_protected_mixin, parent_billing_background_run_mixin
from . import parent_billing_rated_mixin

# First the family invoice and its lines: they define the seal's field sets
# (_billing_*_fields), which the seal and every feature file extend with super().
from . import account_move, account_move_line
from . import (
    account_move_late_fee,
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
from . import practice_reminder_step, mail_template, res_company_reminder, res_partner, account_move_reminder
from . import practice_send_batch, practice_send_batch_line, account_move_send_batch
from . import practice_billing_run, practice_billing_run_line
from . import practice_statement, practice_statement_line, res_company_statement
from . import res_company_autopay
from . import practice_autopay_consent
from . import res_partner_autopay
from . import res_partner_credit
from . import account_move_credit
from . import account_move_autopay
from . import res_partner_account, practice_client_account, account_move_account, practice_statement_account
from . import payment_transaction_account, payment_token
from . import account_move_in_flight
from . import billing_input_bounds
from . import practice_statement_supersede
from . import practice_client_guardian
from . import res_partner_collection_hold, account_move_collection_hold, account_move_dispute
from . import res_company_estimate, practice_estimate, practice_estimate_line, practice_client_estimate
from . import account_move_estimate, practice_session_estimate
from . import practice_payment_plan, practice_payment_plan_installment, account_move_payment_plan
from . import account_payment_receipt
from . import res_partner_pay_all
from . import account_move_print, res_partner_print
from . import practice_statement_due
from . import practice_reminder_log
from . import account_move_list_sums
from . import account_move_chatter
from . import account_move_line_family
