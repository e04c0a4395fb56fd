package dev.tessera.cli;

import dev.tessera.generator.FraudSighting;
import dev.tessera.generator.LiveGeneration;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's scoring client: a few times a second it scores accounts the generator is using right
 * now (mostly busy ones, sometimes one in a fraud pattern) through {@code POST /v1/score/account_risk}
 * over HTTP, as an application would, so the experiment has traffic, predictions are logged and
 * archived, and {@code tessera evaluate} has something to join with the chargebacks that follow.
 */
final class DemoScoring implements AutoCloseable {
    private final Thread thread;
    private final AtomicLong scored = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean stopping;

    private DemoScoring(Thread thread) {
        this.thread = thread;
    }

    static DemoScoring start(Node node, LiveGeneration live, int perSecond, PrintWriter out) {
        if (perSecond <= 0 || node.scoring == null || !node.scoring.registry().names().contains("account_risk")) {
            return new DemoScoring(null);
        }
        DemoScoring[] self = new DemoScoring[1];
        Thread t = new Thread(() -> self[0].run(node, live, perSecond), "tessera-demo-scoring");
        t.setDaemon(true);
        self[0] = new DemoScoring(t);
        out.println("scoring " + perSecond + " accounts a second through POST /v1/score/account_risk (--score-rate; predictions"
                + " go to tessera.predictions and the archive, for tessera evaluate)");
        out.flush();
        t.start();
        return self[0];
    }

    private void run(Node node, LiveGeneration live, int perSecond) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create(node.url() + "/v1/score/account_risk");
        long pause = Math.max(1, 1000 / perSecond);
        List<String> accounts = new ArrayList<>();
        long refreshed = 0;
        while (!stopping) {
            try {
                if (System.currentTimeMillis() - refreshed > 5_000 || accounts.isEmpty()) {
                    accounts = new ArrayList<>(live.activeKeys(50).accounts());
                    for (FraudSighting f : live.latestFraud().values()) {
                        if (f.accountId() != null) {
                            accounts.add(f.accountId());
                        }
                    }
                    refreshed = System.currentTimeMillis();
                }
                if (!accounts.isEmpty()) {
                    String account = accounts.get(ThreadLocalRandom.current().nextInt(accounts.size()));
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"entity\": {\"account_id\": \"" + account + "\"}}")).build(),
                            HttpResponse.BodyHandlers.discarding());
                    (r.statusCode() == 200 ? scored : failed).incrementAndGet();
                }
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            } catch (java.io.IOException | RuntimeException e) {
                failed.incrementAndGet();
            }
        }
    }

    long scored() {
        return scored.get();
    }

    @Override
    public void close() {
        stopping = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
