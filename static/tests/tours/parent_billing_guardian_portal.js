import { registry } from "@web/core/registry";

/**
 * A separated parent (one of a client's guardians) signs in: Billing lists
 * their one invoice for the child, and Statements their one statement. The
 * test runs it as each guardian and checks the pages name no one else.
 */
registry.category("web_tour.tours").add("parent_billing_guardian_portal", {
    url: "/my/billing",
    steps: () => [
        {
            content: "Billing lists exactly one invoice: this guardian's",
            trigger: "tbody:has(tr.o_billing_row:eq(0)):not(:has(tr.o_billing_row:eq(1)))",
        },
        {
            content: "Open the child's invoice",
            trigger: "tr.o_billing_row:contains(Emma Brooks) a[href*='/my/invoices/']",
            run: "click",
        },
        {
            content: "The invoice shows its balance",
            trigger: ".o_billing_summary .o_billing_due",
            run() {
                window.location.href = "/my/statements";
            },
        },
        {
            content: "Statements lists exactly one statement: this guardian's",
            trigger: "tbody:has(tr.o_statement_row:eq(0)):not(:has(tr.o_statement_row:eq(1)))",
        },
        {
            content: "Open it",
            trigger: "tr.o_statement_row a",
            run: "click",
        },
        {
            content: "The statement shows its closing balance",
            trigger: ".o_statement_summary .o_statement_closing",
        },
    ],
});
