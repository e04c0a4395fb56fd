package dev.tessera.serving;

import dev.tessera.serving.FuzzRequest.Server;
import dev.tessera.serving.FuzzClient.Transport;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link HttpFuzzTest} saw, from all its workers: requests by transport and kind, answers by
 * endpoint, validity and status, and the failures (the first of each kind and the first
 * {@value #SHOWN_FAILURES} in full, all counted by kind). Thread-safe.
 */
final class FuzzOutcomes {
    private static final int SHOWN_FAILURES = 25;

    /** Answers to the requests made for one endpoint. */
    private static final class Stats {
        long valid;
        long valid2xx;
        long broken;
        long broken2xx;
        long broken3xx;
        long broken4xx;
        long closed;
    }

    private final Map<String, Stats> byEndpoint = new LinkedHashMap<>();
    private final Map<Transport, Long> byTransport = new EnumMap<>(Transport.class);
    private final Map<Server, Long> valid2xxByServer = new EnumMap<>(Server.class);
    private final Map<Integer, Long> byStatus = new TreeMap<>();
    private final Map<String, Long> failureKinds = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();
    private final Map<String, String> firstOfKind = new TreeMap<>();
    private long requests;
    private long valid;
    private long junk;
    private long tracked;
    private long closedWithoutAnswer;

    FuzzOutcomes() {
        for (String e : HttpApi.ENDPOINTS) {
            byEndpoint.put(e, new Stats());
        }
        byEndpoint.put(FuzzRequest.JUNK, new Stats());
    }

    synchronized void sent(FuzzRequest r, Transport t) {
        requests++;
        byTransport.merge(t, 1L, Long::sum);
        if (r.valid()) {
            valid++;
            tracked += r.tracked().isEmpty() ? 0 : 1;
        } else if (r.endpoint().equals(FuzzRequest.JUNK)) {
            junk++;
        }
    }

    synchronized void answered(FuzzRequest r, int status) {
        byStatus.merge(status, 1L, Long::sum);
        Stats s = byEndpoint.computeIfAbsent(r.endpoint(), e -> new Stats());
        boolean ok = status >= 200 && status < 300;
        if (r.valid()) {
            s.valid++;
            s.valid2xx += ok ? 1 : 0;
            if (ok) {
                valid2xxByServer.merge(r.server(), 1L, Long::sum);
            }
        } else {
            s.broken++;
            s.broken2xx += ok ? 1 : 0;
            s.broken3xx += status >= 300 && status < 400 ? 1 : 0;
            s.broken4xx += status >= 400 && status < 500 ? 1 : 0;
        }
    }

    /** A request the server closed the connection before answering, as it may after a lie or an announced close. */
    synchronized void closedWithoutAnswer(FuzzRequest r) {
        closedWithoutAnswer++;
        Stats s = byEndpoint.computeIfAbsent(r.endpoint(), e -> new Stats());
        s.closed++;
    }

    synchronized void failure(String kind, String where) {
        failureKinds.merge(kind, 1L, Long::sum);
        firstOfKind.putIfAbsent(kind, kind + ": " + where);
        if (failures.size() < SHOWN_FAILURES) {
            failures.add(kind + ": " + where);
        }
    }

    /** The first failure of each kind, then the first {@value #SHOWN_FAILURES} of all. */
    synchronized List<String> failures() {
        List<String> shown = new ArrayList<>(firstOfKind.values());
        failures.stream().filter(f -> !shown.contains(f)).forEach(shown::add);
        return shown;
    }

    synchronized long failureCount() {
        return failureKinds.values().stream().mapToLong(Long::longValue).sum();
    }

    synchronized Map<String, Long> failureKinds() {
        return Map.copyOf(failureKinds);
    }

    synchronized long validAnswered2xx(String endpoint) {
        return byEndpoint.get(endpoint).valid2xx;
    }

    synchronized long validAnswered2xx(Server server) {
        return valid2xxByServer.getOrDefault(server, 0L);
    }

    synchronized long brokenAnswered4xx(String endpoint) {
        return byEndpoint.get(endpoint).broken4xx;
    }

    synchronized long byTransport(Transport t) {
        return byTransport.getOrDefault(t, 0L);
    }

    /** One line for the report: requests, transports, answers by status class and code, outcomes by endpoint. */
    synchronized String summary(String title, double seconds, int oracleEvents) {
        long[] classes = new long[6];
        byStatus.forEach((status, n) -> classes[Math.min(5, status / 100)] += n);
        StringBuilder sb = new StringBuilder(title).append(": ").append(requests).append(" requests (").append(valid).append(" valid, ")
                .append(requests - valid - junk).append(" broken, ").append(junk).append(" junk; ").append(tracked)
                .append(" tracked pushes, ").append(oracleEvents).append(" oracle events) in ").append(String.format("%.1f s", seconds))
                .append("; transports ").append(byTransport).append("; answers 2xx ").append(classes[2]).append(", 3xx ").append(classes[3])
                .append(", 4xx ").append(classes[4]).append(", 5xx ").append(classes[5]).append(", closed without an answer ")
                .append(closedWithoutAnswer).append("; statuses ").append(byStatus).append("; valid answered 2xx by server ").append(valid2xxByServer)
                .append("; failures ").append(failureCount())
                .append("; by endpoint:");
        byEndpoint.forEach((e, s) -> sb.append(" [").append(e).append(": valid ").append(s.valid).append(" (2xx ").append(s.valid2xx)
                .append("), broken ").append(s.broken).append(" (2xx ").append(s.broken2xx).append(", 3xx ").append(s.broken3xx)
                .append(", 4xx ").append(s.broken4xx).append("), closed ").append(s.closed).append("]"));
        return sb.toString();
    }
}
