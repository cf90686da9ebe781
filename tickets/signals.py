"""What tickets tells the apps above it (they import tickets; tickets never imports them).

Both signals are sent inside the transaction that made the change, so what a listener writes
(notifications puts the customer's message in its outbox) commits with it or not at all; a
listener that must reach outside the database does so with `transaction.on_commit`.

`works_order_moved` (tickets.lifecycle) is sent for every lifecycle step: works_order, step,
source, target, entry. `customer_news` is sent for what the customer should hear of outside a
step: works_order, news ("booked_in", "update" for a note written for the customer,
"parts_arrived"), entry. `entry` is the timeline entry that records it: a listener that keys its
work on the entry does it once.

`sla_crossed` (tickets.sla_sweep) is sent once per sweep that recorded crossings: crossing_ids
(the SlaCrossing rows just written, across every shop) and now. A listener answers with a
mapping of what it queued (e.g. {"alerts": 12, "emails": 6, "sms": 1}), which the sweep adds up;
it must work on the whole set at once, not row by row.

`works_order_transferred` (tickets.transfers) is sent when a job moves to another branch, in
the move's transaction: works_order, transfer (the BranchTransfer row). Reports recount the days
it counts on under the new branch.

`collection_check` is sent by WorksOrder.collect before the device may leave: works_order. A
listener answers None when it has no objection, or the refusal in words the counter can act on
("Take payment first: £12.00 is owed."). Billing answers it; without a listener nothing is
checked.

`price_change_check` is sent by `final_price_set` before the final price changes: works_order.
Answered the same way: billing refuses once the job's invoice is issued (a credit note corrects
it then).
"""

from django.dispatch import Signal

customer_news = Signal()
sla_crossed = Signal()
collection_check = Signal()
price_change_check = Signal()
works_order_transferred = Signal()
