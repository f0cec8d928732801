import { registry } from "@web/core/registry";

/**
 * A parent signs in, opens Billing, opens the invoice, checks the PDF
 * download link and pays the invoice with Odoo's demo provider.
 */
registry.category("web_tour.tours").add("parent_billing_portal_pay", {
    url: "/my",
    steps: () => [
        {
            content: "The Billing entry shows the number of family invoices",
            trigger: ".o_billing_entry:not(.d-none) .o_billing_count:contains(2)",
        },
        {
            content: "Open Billing",
            trigger: ".o_billing_entry a[href='/my/billing']",
            run: "click",
        },
        {
            content: "The voided invoice is listed with its badge",
            trigger: "tr.o_billing_row:contains(Mateo Rivera) .badge:contains(Voided)",
        },
        {
            content: "Open Sofia's invoice",
            trigger: "tr.o_billing_row:contains(Sofia Rivera) a[href*='/my/invoices/']",
            run: "click",
        },
        {
            content: "The invoice header, totals and balance are shown",
            trigger: ".o_billing_summary .o_billing_due:contains(130.00)",
        },
        {
            content: "The breadcrumb leads back to Billing",
            trigger: ".breadcrumb a[href='/my/billing']",
        },
        {
            content: "Download PDF links to the PDF of this invoice",
            trigger: "a.o_download_btn",
            run() {
                const href = this.anchor.getAttribute("href");
                if (!/\/my\/invoices\/\d+\?.*report_type=pdf/.test(href) || !href.includes("download=true")) {
                    throw new Error(`Unexpected PDF link: ${href}`);
                }
            },
        },
        {
            content: "Pay now",
            trigger: "a.o_billing_pay_now",
            run: "click",
        },
        {
            content: "Choose the demo provider",
            trigger: "#pay_with input[name='o_payment_radio'][data-payment-method-code='demo']",
            run: "click",
        },
        {
            content: "Enter (test) card details",
            trigger: "#pay_with input[name='customer_input']",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "#pay_with button[name='o_payment_submit_button']:enabled",
            run: "click",
        },
        {
            content: "Back on the invoice, it is paid",
            trigger: ".o_billing_summary .badge:contains(Paid)",
            timeout: 20000,
        },
        {
            content: "and the balance is zero",
            trigger: ".o_billing_summary .o_billing_due:contains(0.00)",
        },
    ],
});
