/** @odoo-module **/
// Billing staff: Unbilled Charges -> pick a client -> select charges -> Create Invoice.

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("parent_billing_create_invoice", {
    url: "/odoo/action-parent_billing.practice_charge_action_unbilled",
    steps: () => [
        {
            content: "Pick the client in the left pane",
            trigger: ".o_search_panel_category_value header:contains('Tour Kid')",
            run: "click",
        },
        {
            content: "Only that client's charges are listed",
            trigger: ".o_search_panel_category_value header.active:contains('Tour Kid')",
        },
        {
            content: "The right pane lists the client's charges with their code",
            trigger: ".o_data_row .o_data_cell[name=service_code]:contains('97153')",
        },
        {
            content: "Select all of them (the default)",
            trigger: "thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Click Create Invoice",
            trigger: ".o_control_panel button:contains('Create Invoice'), .o_list_buttons button:contains('Create Invoice')",
            run: "click",
        },
        {
            content: "Write the notes for the parent",
            trigger: ".modal .o_field_widget[name=notes] .odoo-editor-editable",
            run: "editor Thank you for this month",
        },
        {
            content: "Save: create the draft invoice",
            trigger: ".modal button[name=action_create_invoice]",
            run: "click",
        },
        {
            content: "The draft invoice opens for the client",
            trigger: ".o_form_view .o_field_widget[name=practice_client_id] :contains('Tour Kid')",
        },
        {
            content: "It is a draft, with a Send button",
            trigger: ".o_form_view button[name=action_billing_send]",
        },
    ],
});
