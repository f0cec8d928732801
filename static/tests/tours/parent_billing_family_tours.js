import { registry } from "@web/core/registry";

import { billing } from "./parent_billing_tour_utils";

/**
 * What the family sees (issue 24), as the parent: Pay now then a receipt,
 * the statement's "Due now" equal to the Billing page's "You owe", and Pay
 * all over two open invoices. Run by tests/test_family_tours.py.
 */

/** Odoo's payment form with the demo provider: an accepted (test) card. */
function payWithDemoCard() {
    return [
        {
            content: "Choose the demo provider",
            trigger: "input[name='o_payment_radio'][data-payment-method-code='demo']",
            run: "click",
        },
        {
            content: "Enter (test) card details",
            trigger: "input[name='customer_input']",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "button[name='o_payment_submit_button']:enabled",
            run: "click",
        },
    ];
}

/** The words of an amount as shown ("$ 385.00"), spaces made plain. */
function amountText(element) {
    return element.textContent.replace(/\s+/g, " ").trim();
}

registry.category("web_tour.tours").add("parent_billing_family_pay_now", {
    url: "/my/billing",
    steps: () => [
        {
            content: "Open the open invoice",
            trigger: "tr.o_billing_row a[href*='/my/invoices/']",
            run: "click",
        },
        {
            content: "Pay now",
            trigger: "a.o_billing_pay_now",
            run: "click",
        },
        ...payWithDemoCard(),
        {
            content: "Back on the invoice, it is paid",
            trigger: ".o_billing_summary .badge:contains(Paid)",
            timeout: 20000,
        },
    ],
});

registry.category("web_tour.tours").add("parent_billing_family_statement_due_now", {
    steps: () => [
        {
            content: "The statement says what is due now",
            trigger: ".o_statement_due_now_card .o_statement_due_now",
            run() {
                sessionStorage.setItem("pb_statement_due_now", amountText(this.anchor));
            },
        },
        {
            content: "and lists the open invoices behind it",
            trigger: ".o_parent_statement_due tr.o_ps_due_line",
        },
        ...billing.screenshot("statement-portal"),
        {
            content: "Go to the Billing page",
            trigger: ".o_statement_due_now_card a[href='/my/billing']",
            run: "click",
        },
        {
            content: "You owe is the statement's Due now",
            trigger: ".o_billing_owed .o_billing_owed_amount",
            run() {
                const dueNow = sessionStorage.getItem("pb_statement_due_now");
                const owed = amountText(this.anchor);
                if (!dueNow || dueNow !== owed) {
                    throw new Error(`The statement says Due now "${dueNow}", the Billing page You owe "${owed}"`);
                }
            },
        },
        ...billing.screenshot("portal-you-owe"),
    ],
});

registry.category("web_tour.tours").add("parent_billing_family_pay_all", {
    url: "/my/billing",
    steps: () => [
        {
            content: "Pay all",
            trigger: ".o_billing_owed a.o_billing_pay_all",
            run: "click",
        },
        {
            content: "The two open invoices and their total",
            trigger: ".o_billing_pay_all_page:has(tbody tr:eq(1)) .o_billing_pay_all_total:contains(130.00)",
        },
        ...payWithDemoCard(),
        {
            content: "Back on Billing, nothing is owed",
            trigger: ".o_billing_owed .o_billing_owed_amount:contains(0.00)",
            timeout: 20000,
        },
    ],
});
