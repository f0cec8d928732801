/** @odoo-module **/
// Bulk send: the clerk filters Billing → Invoices to the drafts, selects them
// all and clicks Send; the summary opens at once (queued). After the
// background send, Bulk Sends → the summary says what went out, what is to be
// printed (a parent without an email address) and why one invoice did not.

import { registry } from "@web/core/registry";
import { billing } from "./parent_billing_tour_utils";

registry.category("web_tour.tours").add("parent_billing_bulk_send", {
    url: "/odoo/action-parent_billing.account_move_action_family_invoices",
    steps: () => [
        {
            content: "Four invoices are listed, one of them already sent",
            trigger: billing.rows(".o_list_table", 4),
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter: Draft",
            trigger: ".o_filter_menu .o-dropdown-item:contains('Draft')",
            run: "click",
        },
        {
            content: "Only the three drafts are left",
            trigger: billing.rows(".o_list_table", 3),
        },
        {
            content: "Select them all",
            trigger: ".o_list_table thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Send",
            trigger: "button[name=action_billing_send_batch]",
            run: "click",
        },
        {
            content: "The summary opens at once: three invoices waiting",
            trigger: ".o_form_view .o_field_widget[name=queued_count]:contains('3')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains('Queued')",
        },
        {
            content: "Each invoice is listed as queued",
            trigger: billing.rows(".o_form_view .o_field_widget[name=line_ids]", 3),
        },
    ],
});

registry.category("web_tour.tours").add("parent_billing_bulk_send_summary", {
    url: "/odoo/action-parent_billing.practice_send_batch_action",
    steps: () => [
        {
            content: "Open the bulk send",
            trigger: ".o_list_table .o_data_row .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "Done",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains('Done')",
        },
        {
            content: "Two sent",
            trigger: ".o_form_view .o_field_widget[name=sent_count]:contains('2')",
        },
        {
            content: "One skipped",
            trigger: ".o_form_view .o_field_widget[name=skipped_count]:contains('1')",
        },
        {
            content: "One to print: its parent has no email address",
            trigger: ".o_form_view .o_field_widget[name=to_print_count]:contains('1')",
        },
        {
            content: "The skipped invoice says why",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_row:has(.o_data_cell[name=state]:contains('Skipped')) .o_data_cell[name=reason]:contains('zero or negative total')",
        },
        {
            content: "Open its invoices",
            trigger: ".o_form_view button[name=action_open_invoices]",
            run: "click",
        },
        {
            content: "The list says which one was not sent and why",
            trigger: ".o_data_row:has(.o_data_cell[name=practice_client_id]:contains('Zero')) .o_data_cell[name=billing_send_error]:contains('zero or negative total')",
        },
        {
            content: "Open it",
            trigger: ".o_data_row .o_data_cell[name=practice_client_id]:contains('Zero')",
            run: "click",
        },
        {
            content: "Its form says why it was not sent",
            trigger: ".o_billing_send_error:contains('zero or negative total')",
        },
    ],
});
