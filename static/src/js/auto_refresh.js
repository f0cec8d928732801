/** @odoo-module **/
// <widget name="parent_billing_auto_refresh" invisible="state == 'done'"/>:
// while a background run is in progress its page reloads the record every few
// seconds, so the clerk sees the progress without reloading. Once the run is
// done the widget is hidden (unmounted) and the refreshing stops.

import { registry } from "@web/core/registry";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";
import { Component, onMounted, onWillUnmount } from "@odoo/owl";

export const AUTO_REFRESH_MS = 3000;

export class AutoRefresh extends Component {
    static template = "parent_billing.AutoRefresh";
    static props = { ...standardWidgetProps };

    setup() {
        onMounted(() => {
            this.interval = setInterval(() => {
                if (!this.props.record.dirty) {
                    this.props.record.load();
                }
            }, AUTO_REFRESH_MS);
        });
        onWillUnmount(() => clearInterval(this.interval));
    }
}

registry.category("view_widgets").add("parent_billing_auto_refresh", { component: AutoRefresh });
