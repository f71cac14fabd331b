package io.patienttwin.ledger;

import java.util.List;

/**
 * CDI event, fired inside the follower's transaction for each range of blocks read: the events in
 * chain order. Observers apply them to their projections in that transaction, so that the events,
 * the projections and the follower's cursor commit together. Events may come again after a rebuild:
 * applying them must be idempotent. Observers may flush and empty the persistence context: the
 * follower keeps no managed entity across the event.
 *
 * @param contract the address of the ConsentRegistry that emitted them
 */
public record RegistryEventsRead(String contract, List<RegistryEvent> events) {

    public RegistryEventsRead {
        events = List.copyOf(events);
    }
}
