from odoo import fields, models


class AccountMove(models.Model):
    """What a parent may read of a family document.

    A parent reads her family documents with her own (portal) rights: over
    RPC, in the portal chatter's tracking values. Staff free text is kept to
    employees at the field level, so no path can show it to her; the
    documents the parent opens (references, line names, PDFs) never quote it.
    """

    _inherit = "account.move"

    void_reason = fields.Text(groups="base.group_user")

    def _portal_ensure_token(self):
        """A document made from a family invoice (late fee, reversal, credit
        note) is opened through that invoice: its links carry the invoice's
        token, and it never gets a key of its own to the parent's documents."""
        if len(self) == 1 and self.billing_origin_id:
            return self.billing_origin_id._portal_ensure_token()
        return super()._portal_ensure_token()
