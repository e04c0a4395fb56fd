package dev.tessera.serving;

import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each alert transition once across several serving nodes that watch the same sources and
 * store (stateless {@code tessera serve} nodes over one Redis, ADR 030): every node evaluates the
 * alerts on its own, and before notifying it takes a lease named after the alert and the transition
 * ({@code alert:<id>:firing} or {@code :resolved}) in the shared store. The node that gets it sends,
 * and drops the lease of the opposite transition so the next one can be sent; the others only log.
 * So a webhook gets one message per transition, not one per node.
 *
 * <p>Nodes evaluate at different instants, so near a threshold one node may fire after another has
 * already resolved; that node then sends a second firing and, later, its resolution: every firing
 * message still has its resolved one. A lease expires after {@link #LEASE}, so a node that starts
 * firing a day later notifies again. When the store does not answer, the node sends anyway: a
 * duplicate is better than a lost alert.
 */
public final class SharedAlerts implements AlertNotifier {
    private static final Logger LOG = LoggerFactory.getLogger(SharedAlerts.class);
    static final Duration LEASE = Duration.ofHours(24);

    /** Named leases in the shared store (Redis: {@code SET NX PX}, {@code DEL}). */
    public interface Leases {
        /** Takes {@code name} for {@code ttlMillis} unless someone holds it; true when this caller got it. */
        boolean claim(String name, long ttlMillis);

        void release(String name);
    }

    private final Leases leases;
    private final List<AlertNotifier> notifiers;

    private SharedAlerts(Leases leases, List<AlertNotifier> notifiers) {
        this.leases = leases;
        this.notifiers = List.copyOf(notifiers);
    }

    /** One notifier that sends to {@code notifiers} the transitions this node is the first to claim. */
    public static AlertNotifier across(Leases leases, List<AlertNotifier> notifiers) {
        return new SharedAlerts(leases, notifiers);
    }

    @Override
    public void send(Alert a) {
        String state = a.firing() ? "firing" : "resolved";
        String other = a.firing() ? "resolved" : "firing";
        boolean mine;
        try {
            mine = leases.claim("alert:" + a.id() + ":" + state, LEASE.toMillis());
            if (mine) {
                leases.release("alert:" + a.id() + ":" + other);
            }
        } catch (RuntimeException e) {
            LOG.warn("could not tell whether another serving node already sent alert {} ({}): {}; sending it", a.id(), state,
                    e.getMessage());
            mine = true;
        }
        if (!mine) {
            LOG.info("alert {} {}: another serving node sent it", a.id(), state);
            return;
        }
        for (AlertNotifier n : notifiers) {
            try {
                n.send(a);
            } catch (RuntimeException e) {
                LOG.warn("could not send alert {} to {}: {}", a.id(), n, e.toString());
            }
        }
    }

    @Override
    public void close() {
        notifiers.forEach(AlertNotifier::close);
    }

    @Override
    public String toString() {
        return "one node of several: " + notifiers;
    }
}
