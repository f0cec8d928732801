/** @odoo-module **/
// The clerk's everyday screens: print the invoices of the parents without
// email (To Print, select, Print for Mailing: one PDF), and export Billing AR
// to XLSX (select the rows, Export, XLSX).

import { registry } from "@web/core/registry";
import { billing } from "./parent_billing_tour_utils";

/** Open the list's Actions menu and click `item`. */
function actionMenu(item) {
    return [
        {
            content: "Open the Actions menu",
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: item,
            trigger: `.o-dropdown--menu .o-dropdown-item:contains('${item}')`,
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("parent_billing_clerk_print", {
    url: "/odoo/action-parent_billing.account_move_action_family_invoices",
    steps: () => [
        {
            content: "Three invoices are listed",
            trigger: billing.rows(".o_list_table", 3),
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter: To Print",
            trigger: ".o_filter_menu .o-dropdown-item:contains('To Print')",
            run: "click",
        },
        {
            content: "Only the two invoices to mail are left",
            trigger: billing.rows(".o_list_table", 2),
        },
        {
            content: "Select them both",
            trigger: ".o_list_table thead .o_list_record_selector input",
            run: "click",
        },
        ...actionMenu("Print for Mailing"),
        {
            content: "The PDF downloads; the list stays",
            trigger: ".o_list_table .o_data_row",
        },
    ],
});

registry.category("web_tour.tours").add("parent_billing_clerk_export", {
    url: "/odoo/action-parent_billing.practice_ar_aging_action",
    steps: () => [
        {
            content: "Billing AR opens grouped by parent: open Rivera's group",
            trigger: ".o_group_header:contains('Maria Rivera')",
            run: "click",
        },
        {
            content: "Open Chen's group",
            trigger: ".o_group_header:contains('David Chen')",
            run: "click",
        },
        {
            content: "Two open invoices are listed",
            trigger: billing.rows(".o_list_table", 2),
        },
        {
            content: "Select them",
            trigger: ".o_list_table thead .o_list_record_selector input",
            run: "click",
        },
        ...actionMenu("Export"),
        {
            content: "Format: XLSX",
            trigger: ".modal .o_export_format input[value=xlsx]",
            run: "click",
        },
        {
            content: "The list's columns are the ones exported",
            trigger: ".modal .o_fields_list .o_export_field:contains('Open Balance')",
        },
        {
            content: "Export",
            trigger: ".modal .o_select_button",
            run: "click",
        },
        {
            content: "The export is done",
            trigger: ".modal .o_select_button:not([disabled])",
        },
    ],
});

registry.category("web_tour.tours").add("parent_billing_clerk_run_refresh", {
    steps: () => [
        {
            content: "The run is in progress in the background",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains('In Progress')",
        },
        {
            content: "The page follows the run",
            trigger: ".o_form_view .o_billing_auto_refresh:not(:visible)",
        },
        {
            content: "Without a reload, the page shows the run done",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains('Done')",
        },
        {
            content: "and its invoice",
            trigger: ".o_form_view .o_field_widget[name=created_count]:contains('1')",
        },
    ],
});
