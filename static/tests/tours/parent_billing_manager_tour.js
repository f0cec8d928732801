/** @odoo-module **/
// The billing manager: Void (with a reason) a sent invoice, Issue Refund on a
// paid one, then the Billing AR report. Every assertion is on what the screen shows.

import { registry } from "@web/core/registry";
import { billing } from "./parent_billing_tour_utils";

registry.category("web_tour.tours").add("parent_billing_manager", {
    url: "/odoo/action-parent_billing.account_move_action_family_invoices",
    steps: () => [
        // Void a sent invoice issued in error.
        {
            content: "Open Void Kid's sent invoice",
            trigger: ".o_list_view .o_data_row:contains('Void Kid') .o_data_cell[name=practice_client_id]",
            run: "click",
        },
        ...billing.invoiceShows({ status: "Sent", lines: 1, total: "125.00", paid: "0.00", balance: "125.00" }),
        {
            content: "Void",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_billing_open_void]",
            run: "click",
        },
        {
            content: "Voiding needs a reason",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Duplicate of another invoice",
        },
        {
            content: "Void Invoice",
            trigger: ".modal button[name=action_void]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        ...billing.invoiceShows({ status: "Voided", lines: 1, total: "125.00" }),
        {
            content: "The form carries a Voided ribbon",
            trigger: ".o_form_view .ribbon:contains('Voided')",
        },
        {
            content: "A voided invoice takes no payment, cannot be sent or voided again",
            trigger:
                ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_billing_record_payment])):not(:has(button[name=action_billing_send])):not(:has(button[name=action_billing_open_void]))",
        },
        {
            content: "No balance is shown on a voided invoice",
            trigger: ".o_form_view .o_billing_totals:not(:has(.o_field_widget[name=billing_amount_due]))",
        },
        {
            content: "Back to the invoices",
            trigger: ".o_breadcrumb a:contains('Invoices')",
            run: "click",
        },
        {
            content: "It stays in the list with a Voided badge",
            trigger: ".o_list_view .o_data_row:contains('Void Kid') .o_data_cell[name=billing_state] .badge:contains('Voided')",
        },

        // Refund part of a paid invoice.
        {
            content: "Open Refund Kid's paid invoice",
            trigger: ".o_list_view .o_data_row:contains('Refund Kid') .o_data_cell[name=practice_client_id]",
            run: "click",
        },
        ...billing.invoiceShows({ status: "Paid", lines: 2, total: "130.00", paid: "130.00", balance: "0.00" }),
        {
            content: "Issue Refund",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_billing_open_refund]",
            run: "click",
        },
        {
            content: "Refund 30.00",
            trigger: ".modal .o_field_widget[name=amount] input",
            run: "edit 30.00",
        },
        {
            content: "The reason",
            trigger: ".modal .o_field_widget[name=reason] input",
            run: "edit Cancelled session paid in advance",
        },
        {
            content: "Issue the refund",
            trigger: ".modal button[name=action_refund]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        ...billing.invoiceShows({ status: "Sent", lines: 2, total: "130.00", paid: "100.00", balance: "30.00" }),
        ...billing.paymentLog([
            ["Payment", "130.00"],
            ["Refund", "-30.00"],
        ]),

        // Billing AR: aged receivables.
        {
            content: "Billing -> Reporting",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Billing AR",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Billing AR')",
            run: "click",
        },
        {
            content: "The refunded invoice's balance is receivable",
            trigger: ".o_list_view .o_group_header:contains('Maria Rivera'):contains('30.00')",
        },
        {
            content: "The graph",
            trigger: ".o_control_panel .o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "The graph shows the buckets, not yet due first",
            trigger: ".o_graph_renderer canvas",
        },
        ...billing.screenshot("backoffice-ar", { settle: 1500 }),
    ],
});
