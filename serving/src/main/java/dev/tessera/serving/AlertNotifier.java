package dev.tessera.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where alerts go besides the log. */
public interface AlertNotifier {
    /** Sends {@code alert} (firing, or resolved when {@link Alert#resolvedAt} is set); must not block. */
    void send(Alert alert);

    default void close() {
    }

    /**
     * POSTs each alert as JSON to {@code url}: {@code status} ("firing" or "resolved"), the
     * {@link Alert}'s fields, and {@code text}, a one-line summary, so a Slack or Mattermost incoming
     * webhook shows it as is. Sent asynchronously, retried three times (after 1, 2 and 4 s) on a
     * connection error or a 5xx; the outcome is counted ({@link Webhook#sent}, {@link Webhook#failed}).
     */
    static Webhook webhook(URI url) {
        return new Webhook(url);
    }

    final class Webhook implements AlertNotifier {
        private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);
        private static final int RETRIES = 3;
        private final URI url;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        private final ObjectMapper json = new ObjectMapper();
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();

        Webhook(URI url) {
            this.url = url;
        }

        public long sent() {
            return sent.get();
        }

        public long failed() {
            return failed.get();
        }

        @Override
        public void send(Alert a) {
            ObjectNode body = json.createObjectNode();
            String status = a.firing() ? "firing" : "resolved";
            body.put("status", status);
            body.put("id", a.id());
            body.put("alert", a.alert());
            body.put("subject", a.subject());
            body.put("message", a.message());
            body.put("value", a.value());
            body.put("threshold", a.threshold());
            body.put("since", Instant.ofEpochMilli(a.since()).toString());
            if (!a.firing()) {
                body.put("resolved_at", Instant.ofEpochMilli(a.resolvedAt()).toString());
            }
            body.put("runbook", a.runbook());
            body.put("text", "[" + status.toUpperCase(java.util.Locale.ROOT) + "] " + a.alert() + " on " + a.subject() + ": "
                    + a.message() + " (runbook: " + a.runbook() + ")");
            HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
            attempt(req, a, 0);
        }

        private void attempt(HttpRequest req, Alert a, int retry) {
            http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((res, err) -> {
                if (err == null && res.statusCode() < 500) {
                    if (res.statusCode() >= 400) {
                        failed.incrementAndGet();
                        LOG.warn("alert webhook {} refused alert {}: HTTP {}", url, a.id(), res.statusCode());
                    } else {
                        sent.incrementAndGet();
                    }
                    return;
                }
                if (retry >= RETRIES) {
                    failed.incrementAndGet();
                    LOG.warn("alert webhook {} failed for alert {} after {} retries: {}", url, a.id(), RETRIES,
                            err != null ? err.toString() : "HTTP " + res.statusCode());
                    return;
                }
                CompletableFuture.delayedExecutor(1000L << retry, TimeUnit.MILLISECONDS).execute(() -> attempt(req, a, retry + 1));
            });
        }

        @Override
        public String toString() {
            return "webhook " + url;
        }
    }
}
