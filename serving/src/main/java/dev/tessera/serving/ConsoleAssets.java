package dev.tessera.serving;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The web console's files (SPEC §4, §8): plain HTML, CSS and JavaScript modules from the classpath
 * ({@code dev/tessera/serving/console/}), read once at start. {@code GET /} answers
 * {@code index.html}, {@code GET /console/<file>} the others.
 *
 * <p>Only the files named in {@link #FILES} are served: a request names a key of a fixed map, never a
 * path, so {@code ..} or an encoded {@code /} cannot reach anything else. Every answer carries an
 * ETag and {@code Cache-Control: no-cache}: the browser keeps the files and revalidates them (a 304,
 * no body), so an upgraded server is picked up at the next load without fingerprinted names
 * (module imports name files without a query string). The page's Content-Security-Policy allows
 * scripts, styles and requests to this origin only: nothing external is loaded, and text from
 * definitions or entity keys can never run as script.
 */
final class ConsoleAssets {
    /** Every file of the console, with its content type. */
    static final Map<String, String> FILES = files();
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private record Asset(byte[] body, String type, String etag) {}

    private static final String RESOURCES = "/dev/tessera/serving/console/";
    private static final ConsoleAssets INSTANCE = new ConsoleAssets();

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    private static Map<String, String> files() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("index.html", "text/html; charset=utf-8");
        f.put("console.css", "text/css; charset=utf-8");
        for (String module : List.of("console.js", "api.js", "dom.js", "charts.js", "catalog.js", "lineage.js", "sources.js",
                "quality.js", "models.js", "lookup.js")) {
            f.put(module, "text/javascript; charset=utf-8");
        }
        f.put("favicon.svg", "image/svg+xml");
        return java.util.Collections.unmodifiableMap(f);
    }

    private ConsoleAssets() {
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            byte[] body = read(f.getKey());
            assets.put(f.getKey(), new Asset(body, f.getValue(), '"' + sha256(body).substring(0, 20) + '"'));
        }
    }

    /** The console's files, read once per process (they are part of the jar and never change while it runs). */
    static ConsoleAssets get() {
        return INSTANCE;
    }

    /**
     * The answer to a GET of {@code file}: the file, or 304 when {@code ifNoneMatch} names its current
     * ETag; a 404 JSON error when the console has no such file.
     */
    FullHttpResponse answer(String file, String ifNoneMatch) {
        Asset a = assets.get(file);
        if (a == null) {
            throw ApiException.notFound("not_found", "the console has no file '" + file + "'",
                    "the console is at / and its files are " + String.join(", ", List.copyOf(FILES.keySet())));
        }
        boolean unchanged = ifNoneMatch != null && List.of(ifNoneMatch.split(",")).stream()
                .map(String::trim).anyMatch(t -> t.equals(a.etag) || t.equals("W/" + a.etag) || t.equals("*"));
        FullHttpResponse res = unchanged
                ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER)
                : new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(a.body));
        res.headers().set(HttpHeaderNames.ETAG, a.etag);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        res.headers().set("X-Content-Type-Options", "nosniff");
        if (!unchanged) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, a.type);
        }
        if (file.equals("index.html")) {
            res.headers().set("Content-Security-Policy", CSP);
            res.headers().set("Referrer-Policy", "no-referrer");
        }
        return res;
    }

    private static byte[] read(String file) {
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(RESOURCES + file)) {
            if (in == null) {
                throw new IllegalStateException("the console file " + RESOURCES + file + " is missing from the classpath;"
                        + " the serving jar is incomplete (rebuild it)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console file " + RESOURCES + file, e);
        }
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
