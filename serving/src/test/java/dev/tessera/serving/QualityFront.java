package dev.tessera.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A same-origin front for the console's test: answers {@code GET /v1/quality} and
 * {@code GET /v1/alerts} with given JSON (the shapes specified for endpoints another branch is
 * building) and forwards every other request, unchanged, to the real server behind it. So the page,
 * its files and every other endpoint are the real ones. Delete it once the real quality endpoints
 * exist: the test then runs against them directly.
 */
final class QualityFront implements AutoCloseable {
    private static final List<String> FORWARDED_REQUEST_HEADERS = List.of("Content-Type", "Authorization", "If-None-Match", "Accept");
    private static final List<String> FORWARDED_RESPONSE_HEADERS = List.of("Content-Type", "ETag", "Cache-Control",
            "Content-Security-Policy", "X-Content-Type-Options", "WWW-Authenticate", "Allow");

    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private QualityFront(HttpServer server) {
        this.server = server;
    }

    static QualityFront start(int behind, String quality, String alerts) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        QualityFront front = new QualityFront(server);
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (path.equals("/v1/quality") || path.equals("/v1/alerts")) {
                    answer(exchange, 200, "application/json; charset=utf-8",
                            (path.equals("/v1/quality") ? quality : alerts).getBytes(StandardCharsets.UTF_8));
                } else {
                    front.forward(exchange, behind);
                }
            }
        });
        server.start();
        return front;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private void forward(HttpExchange exchange, int port) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + exchange.getRequestURI()))
                .timeout(Duration.ofSeconds(30))
                .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (String h : FORWARDED_REQUEST_HEADERS) {
            String v = exchange.getRequestHeaders().getFirst(h);
            if (v != null) {
                req.header(h, v);
            }
        }
        HttpResponse<byte[]> res;
        try {
            res = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        for (String h : FORWARDED_RESPONSE_HEADERS) {
            res.headers().firstValue(h).ifPresent(v -> exchange.getResponseHeaders().set(h, v));
        }
        answer(exchange, res.statusCode(), null, res.body());
    }

    private static void answer(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        if (type != null) {
            exchange.getResponseHeaders().set("Content-Type", type);
        }
        boolean empty = status == 304 || body.length == 0;
        exchange.sendResponseHeaders(status, empty ? -1 : body.length);
        if (!empty) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
