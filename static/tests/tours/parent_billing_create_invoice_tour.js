/** @odoo-module **/
// The billing clerk walks the seed in order: Unbilled Charges -> pick a client
// -> Create Invoice (all selected) -> write-in, re-rate, remove, discount ->
// Send -> Record Payment (partial, then the rest) -> Paid. Every assertion is
// on what the screen shows.

import { registry } from "@web/core/registry";
import { billing } from "./parent_billing_tour_utils";

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
            content: "The right pane lists the client's three charges with their codes",
            trigger: `.o_list_renderer:has(${billing.rows(".o_list_table", 3)}):not(:has(.o_data_row:contains('Sofia')))`,
        },
        {
            trigger: ".o_data_row .o_data_cell[name=service_code]:contains('97530')",
        },
        ...billing.screenshot("backoffice-unbilled"),
        {
            content: "Click Create Invoice without ticking rows: all of the client's charges",
            trigger: ".o_control_panel button:contains('Create Invoice'), .o_list_buttons button:contains('Create Invoice')",
            run: "click",
        },
        {
            content: "The dialog has all three charges selected, 272.50 in all",
            trigger: `.modal:has(${billing.rows(".o_field_widget[name=charge_ids]", 3)}) .o_field_widget[name=amount_total]:contains('272.50')`,
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
            trigger: ".o_form_view .o_field_widget[name=practice_client_id]:contains('Tour Kid')",
        },
        ...billing.invoiceShows({ status: "Draft", lines: 3, total: "272.50" }),

        // Add a manual line (write-in).
        {
            content: "Add Write-in",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_billing_open_write_in]",
            run: "click",
        },
        {
            content: "Describe the write-in",
            trigger: ".modal .o_field_widget[name=name] input",
            run: "edit Materials fee",
        },
        {
            content: "Its rate",
            trigger: ".modal .o_field_widget[name=rate] input",
            run: "edit 15.00",
        },
        {
            content: "Add it",
            trigger: ".modal button[name=action_add]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        ...billing.invoiceShows({ status: "Draft", lines: 4, total: "287.50" }),
        {
            content: "The write-in is a line of its own",
            trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:has(textarea:value('Materials fee')) .o_data_cell[name=price_subtotal]:contains('15.00')",
        },

        // Adjust the rate of a session line (a scholarship).
        {
            content: "Re-rate the ABA line: click its rate",
            trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains('97153') .o_data_cell[name=price_unit]",
            run: "click",
        },
        {
            content: "New rate 30.00",
            trigger: ".o_field_widget[name=invoice_line_ids] .o_selected_row .o_field_widget[name=price_unit] input",
            run: "edit 30.00",
        },
        {
            content: "Save the draft",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        ...billing.invoiceShows({ status: "Draft", lines: 4, total: "282.50" }),
        {
            content: "The ABA line is 2 x 30.00 = 60.00",
            trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains('97153') .o_data_cell[name=price_subtotal]:contains('60.00')",
        },

        // Remove a line added in error.
        {
            content: "Remove the OT line",
            trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains('97530') .o_list_record_remove",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=invoice_line_ids]:not(:has(.o_data_row:contains('97530')))",
        },
        {
            content: "Save the draft",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        ...billing.invoiceShows({ status: "Draft", lines: 3, total: "200.00" }),

        // A top-level discount, in percent.
        {
            content: "Discount / Surcharge",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_billing_open_adjust]",
            run: "click",
        },
        {
            content: "In percent",
            trigger: ".modal .o_field_widget[name=amount_type] select",
            run: "selectByLabel Percent",
        },
        {
            content: "10 %",
            trigger: ".modal .o_field_widget[name=value] input",
            run: "edit 10",
        },
        {
            content: "Add it to the invoice",
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        ...billing.invoiceShows({ status: "Draft", lines: 4, total: "180.00" }),
        {
            content: "The discount is the last line: 10 % of 200.00",
            trigger: `.o_field_widget[name=invoice_line_ids] .o_data_row:last:has(textarea:value('Discount')) .o_data_cell[name=price_subtotal]${billing.money("-20.00")}`,
        },
        ...billing.screenshot("backoffice-draft"),

        // Send.
        {
            content: "Send",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_billing_send]",
            run: "click",
        },
        ...billing.invoiceShows({ status: "Sent", lines: 4, total: "180.00", paid: "0.00", balance: "180.00" }),
        {
            content: "Lines are read-only once sent: no write-in, no remove",
            trigger: ".o_form_view:not(:has(button[name=action_billing_open_write_in])):not(:has(.o_list_record_remove))",
        },

        // A partial payment, then the rest.
        ...billing.recordPayment({ amount: "100.00", method: "Check", reference: "1001" }),
        ...billing.invoiceShows({ status: "Sent", lines: 4, total: "180.00", paid: "100.00", balance: "80.00" }),
        ...billing.paymentLog([["Payment", "100.00"]], "backoffice-sent"),
        {
            content: "Record Payment of the rest: the dialog proposes the balance",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_billing_record_payment]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=amount] input:value(80.00)",
        },
        {
            trigger: ".modal .o_field_widget[name=method] select",
            run: "selectByLabel ACH",
        },
        {
            trigger: ".modal .o_field_widget[name=reference] input",
            run: "edit ACH-2002",
        },
        {
            trigger: ".modal button[name=action_record]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        ...billing.invoiceShows({ status: "Paid", lines: 4, total: "180.00", paid: "180.00", balance: "0.00" }),
        {
            content: "A paid invoice takes no more payments",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_billing_record_payment]))",
        },
        ...billing.paymentLog([
            ["Payment", "100.00"],
            ["Payment", "80.00"],
        ]),

        // The removed line's charge is back in Unbilled Charges.
        {
            content: "Back to Unbilled Charges",
            trigger: ".o_breadcrumb a:contains('Unbilled Charges')",
            run: "click",
        },
        {
            content: "The removed OT charge waits there again",
            trigger: ".o_list_view .o_data_row:contains('Tour Kid') .o_data_cell[name=service_code]:contains('97530')",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row .o_data_cell[name=service_code]:contains('97153')))",
        },
    ],
});
