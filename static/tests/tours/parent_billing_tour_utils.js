/** @odoo-module **/
// Steps shared by the back-office tours: what a family invoice form shows.

/** An amount as the screen shows it, to the cent ("$ 80.00" matches 80.00, "$ 180.00" does not). */
function money(amount) {
    return `:contains(/^\\D*${amount.replace(".", "\\.")}$/)`;
}

/** `container` holding exactly `count` list rows. */
function rows(container, count) {
    const more = `:not(:has(.o_data_row:eq(${count})))`;
    return count ? `${container}:has(.o_data_row:eq(${count - 1}))${more}` : `${container}${more}`;
}

const form = ".o_form_view";
const totals = `${form} .o_billing_totals`;

export const billing = {
    money,
    rows,

    /**
     * The invoice form shows this status bar value, this many lines and
     * these totals; `paid` and `balance` are checked when given.
     */
    invoiceShows({ status, lines, total, paid, balance }) {
        const steps = [
            {
                content: `The status bar reads ${status}`,
                trigger: `${form} .o_field_widget[name=billing_state] .o_arrow_button_current:contains('${status}')`,
            },
            {
                content: `Total ${total}`,
                trigger: `${totals} .o_field_widget[name=billing_amount_total]${money(total)}`,
            },
        ];
        if (lines !== undefined) {
            steps.push({
                content: `${lines} lines`,
                trigger: rows(`${form} .o_field_widget[name=invoice_line_ids]`, lines),
            });
        }
        if (paid !== undefined) {
            steps.push({
                content: `Amount Paid ${paid}`,
                trigger: `${totals} .o_field_widget[name=billing_amount_paid]${money(paid)}`,
            });
        }
        if (balance !== undefined) {
            steps.push({
                content: `Balance ${balance}`,
                trigger: `${totals} .o_field_widget[name=billing_amount_due]${money(balance)}`,
            });
        }
        return steps;
    },

    /** Record Payment through its dialog. */
    recordPayment({ amount, method, reference }) {
        return [
            {
                content: "Record Payment",
                trigger: `${form} .o_statusbar_buttons button[name=action_billing_record_payment]`,
                run: "click",
            },
            {
                content: `Amount ${amount}`,
                trigger: ".modal .o_field_widget[name=amount] input",
                run: `edit ${amount}`,
            },
            {
                content: `Method ${method}`,
                trigger: ".modal .o_field_widget[name=method] select",
                run: `selectByLabel ${method}`,
            },
            {
                content: `Reference ${reference}`,
                trigger: ".modal .o_field_widget[name=reference] input",
                run: `edit ${reference}`,
            },
            {
                content: "Save the payment",
                trigger: ".modal button[name=action_record]",
                run: "click",
            },
            {
                trigger: "body:not(:has(.modal))",
            },
        ];
    },

    /**
     * The Family Billing tab's payment log has exactly these rows: `entries`
     * are [kind, amount] pairs ("Payment" / "Refund"). Takes the screenshot
     * `shot` there, then goes back to the invoice lines.
     */
    paymentLog(entries, shot) {
        const log = `${form} .o_field_widget[name=billing_payment_ids]`;
        return [
            {
                content: "Open the payment log",
                trigger: `${form} .o_notebook .nav-link:contains('Family Billing')`,
                run: "click",
            },
            {
                content: `${entries.length} rows in the payment log`,
                trigger: rows(log, entries.length),
            },
            ...entries.map(([kind, amount]) => ({
                content: `A ${kind} row of ${amount}`,
                trigger: `${log} .o_data_row:has(.o_data_cell[name=billing_kind]:contains('${kind}')):has(.o_data_cell[name=billing_signed_amount]${money(amount)})`,
            })),
            ...(shot ? billing.screenshot(shot) : []),
            {
                content: "Back to the invoice lines",
                trigger: `${form} .o_notebook .nav-link:contains('Invoice Lines')`,
                run: "click",
            },
            {
                trigger: `${form} .o_field_widget[name=invoice_line_ids]`,
            },
        ];
    },

    /**
     * README pictures: only when the test asks for them (PB_SCREENSHOTS sets
     * the cookie), the test saves the screen as `name`.png, then marks the body.
     * `settle`: milliseconds to let an animation (the graph's bars) finish first.
     */
    screenshot(name, { settle = 0 } = {}) {
        if (!document.cookie.includes("pb_screenshots=1")) {
            return [];
        }
        return [
            {
                content: `Screenshot ${name}`,
                trigger: "body",
                async run() {
                    await new Promise((resolve) => setTimeout(resolve, settle));
                    console.log(`pb-screenshot ${name}`);
                },
            },
            {
                content: `Screenshot ${name} saved`,
                trigger: `body.o_pb_shot_${name}`,
            },
        ];
    },
};
