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
