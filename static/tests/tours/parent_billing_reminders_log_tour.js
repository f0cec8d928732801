/** @odoo-module **/
// Reminders Sent: this morning's run reminded two overdue invoices (an older
// run reminded a third). The clerk filters Today, sees both, then previews
// what tomorrow's run would send.

import { registry } from "@web/core/registry";
import { billing } from "./parent_billing_tour_utils";

const list = ".o_list_view .o_list_table";

registry.category("web_tour.tours").add("parent_billing_reminders_log", {
    url: "/odoo/action-parent_billing.practice_reminder_log_action",
    steps: () => [
        {
            content: "Every reminder sent is listed: three",
            trigger: billing.rows(list, 3),
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter: Today",
            trigger: ".o_filter_menu .o-dropdown-item:contains('Today')",
            run: "click",
        },
        {
            content: "This morning's two reminders are left",
            trigger: billing.rows(list, 2),
        },
        {
            content: "Sofia's invoice, reminded to Maria Rivera",
            trigger: `${list} .o_data_row:has(.o_data_cell[name=practice_client_id]:contains('Sofia Rivera')):has(.o_data_cell[name=partner_id]:contains('Maria Rivera')):has(.o_data_cell[name=step_id]:contains('Overdue'))`,
        },
        {
            content: "Lily's invoice, reminded to David Chen",
            trigger: `${list} .o_data_row:has(.o_data_cell[name=practice_client_id]:contains('Lily Chen')):has(.o_data_cell[name=partner_id]:contains('David Chen')):has(.o_data_cell[name=days_past_due]:contains('1'))`,
        },
        {
            content: "The older reminder is filtered out",
            trigger: `${list}:not(:has(.o_data_cell:contains('Leo Rivera')))`,
        },
        ...billing.screenshot("reminders_sent"),
        {
            content: "Preview Tomorrow's Reminders",
            trigger: "button[name=action_billing_preview_tomorrow]",
            run: "click",
        },
        {
            content: "Tomorrow: one coming-due reminder to Maria Rivera",
            trigger: `${billing.rows(list, 1)} .o_data_row:has(.o_data_cell[name=step_id]:contains('Coming due')):has(.o_data_cell[name=partner_id]:contains('Maria Rivera'))`,
        },
        {
            content: "Its balance",
            trigger: `${list} .o_data_row .o_data_cell[name=amount_due]${billing.money("32.50")}`,
        },
    ],
});
