from odoo import models
from odoo.exceptions import UserError


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payments(self):
        if not self.env["account.move"]._billing_in_transition():
            if family := self.line_ids.move_id._billing_documents():
                raise UserError(
                    self.env._(
                        "Payments on family invoice %(move)s are recorded with Record Payment on the invoice.",
                        move=family[0].display_name,
                    )
                )
        return super()._create_payments()
