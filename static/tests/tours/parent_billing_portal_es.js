/** @odoo-module **/
import { registry } from "@web/core/registry";
import { billing } from "./parent_billing_tour_utils";

/**
 * A parent whose contact language is Spanish opens a sent invoice in the
 * portal: the family summary reads in Spanish (README picture).
 */
registry.category("web_tour.tours").add("parent_billing_portal_es", {
    steps: () => [
        {
            content: "The family summary is in Spanish",
            trigger: ".o_billing_summary .small:contains(Fecha de vencimiento)",
        },
        {
            content: "So is the way to pay",
            trigger: ".o_billing_instructions strong:contains(Cómo pagar)",
        },
        ...billing.screenshot("portal-invoice-es"),
    ],
});
