package dev.tessera.serving;

import static dev.tessera.serving.BodyMutations.pick;

import dev.tessera.serving.FuzzRequest.Framing;
import dev.tessera.serving.FuzzRequest.Server;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Breaks a valid {@link FuzzRequest} in one to three places, for {@link HttpFuzzTest}: the body
 * ({@link BodyMutations}, or a body where none belongs), the method (other methods, unknown and
 * invalid tokens), the path (escapes good and bad, {@code ..}, long segments, NUL and other
 * controls, raw Unicode, absolute and asterisk forms), the headers (Content-Type variants,
 * duplicates, no Host, oversized and malformed lines, {@code Expect}, {@code Upgrade}, a foreign
 * {@code Origin}, credentials), the version, and the framing (Content-Length lies, bad chunks,
 * Content-Length and Transfer-Encoding together).
 */
final class RequestMutations {
    static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "CONNECT", "PROPFIND",
        "BREW", "get", "Post", "G-E_T", "M".repeat(200), "GET\u0000", "P\u00d6ST", "GE T", "", "\u0001"};
    static final String[] CONTENT_TYPES = {"", "text/plain", "application/xml", "multipart/form-data; boundary=x",
        "application/json; charset=latin1", "application/json;;;", "application/json; charset", "*/*", "application/x-ndjson",
        "application/jsonl", "application/", "/json", "application/json\u0000", "application/json, text/plain",
        "application/vnd.api+json", "application/json; charset=utf-16", ";", " application/json "};
    static final String[] CREDENTIALS = {null, "Bearer nope", "Bearer ", "Bearer", "Basic dXNlcjpwYXNz",
        "bearer " + ServingStack.ADMIN_TOKEN, "Bearer " + ServingStack.READ_TOKEN + "x", "Bearer " + ServingStack.WRITE_TOKEN,
        "Bearer " + ServingStack.READ_TOKEN, "Bearer " + ServingStack.READ_TOKEN + " " + ServingStack.ADMIN_TOKEN, "Token abc",
        "Bearer \u00e9\u00e9", "Bearer " + "t".repeat(20_000)};

    private RequestMutations() {
    }

    /** {@code valid} broken in one to three places. */
    static FuzzRequest broken(Random rnd, FuzzRequest valid) {
        Draft d = new Draft(valid);
        for (int i = 0, n = 1 + (rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(2) : 0); i < n; i++) {
            int what = rnd.nextInt(100);
            if (what < 35) {
                body(rnd, d);
            } else if (what < 60) {
                headers(rnd, d);
            } else if (what < 72) {
                d.method = pick(rnd, METHODS);
                d.names.add("method " + abbreviated(d.method));
            } else if (what < 87) {
                path(rnd, d);
            } else if (what < 92) {
                d.version = pick(rnd, new String[] {"HTTP/1.0", "HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "", "http/1.1", "HTTP/1.1 x",
                    "HTTP/11", "HTTP/1.1\u0000", "HTTP/1.01", "HTTPS/1.1"});
                d.names.add("version '" + d.version + "'");
            } else {
                framing(rnd, d);
            }
        }
        return valid.broken(d.method, d.target, d.version, d.headers, d.body, d.framing, d.names);
    }

    /** A request as it is being broken. */
    private static final class Draft {
        final Server server;
        final String endpoint;
        String method;
        String target;
        String version;
        final List<String> headers;
        byte[] body;
        Framing framing;
        final List<String> names = new ArrayList<>();

        Draft(FuzzRequest r) {
            server = r.server();
            endpoint = r.endpoint();
            method = r.method();
            target = r.target();
            version = r.version();
            headers = new ArrayList<>(r.headers());
            body = r.body();
            framing = r.framing();
        }

        String contentType() {
            for (String h : headers) {
                if (h.toLowerCase(Locale.ROOT).startsWith("content-type:")) {
                    return h.substring(13).trim().toLowerCase(Locale.ROOT);
                }
            }
            return "";
        }
    }

    private static void body(Random rnd, Draft d) {
        if (d.body == null) { // a body where none belongs
            String json = "{\"entity\": {\"account_id\": \"fz-acct-1\"}, \"x\": [1, 2]}";
            d.body = rnd.nextBoolean() ? json.getBytes(StandardCharsets.UTF_8) : BodyMutations.random(rnd, rnd.nextInt(300));
            d.framing = rnd.nextInt(4) == 0 ? Framing.CHUNKED : Framing.LENGTH;
            d.names.add("a body on " + d.endpoint);
            return;
        }
        String text = new String(d.body, StandardCharsets.UTF_8);
        boolean ndjson = d.contentType().contains("nd") || d.contentType().contains("jsonl");
        BodyMutations.Mutated m;
        try {
            m = ndjson ? BodyMutations.ndjson(rnd, text) : BodyMutations.json(rnd, text);
        } catch (IllegalArgumentException e) { // already broken by an earlier mutation: break the bytes
            m = BodyMutations.bytes(rnd, text);
        }
        d.body = m.body();
        d.names.add("body " + m.mutation());
    }

    private static void path(Random rnd, Draft d) {
        String t = d.target;
        int q = t.indexOf('?');
        String path = q < 0 ? t : t.substring(0, q);
        String query = q < 0 ? "" : t.substring(q);
        String name;
        switch (rnd.nextInt(15)) {
            case 0 -> { // escapes of plain characters: the same path
                StringBuilder sb = new StringBuilder();
                for (char c : path.toCharArray()) {
                    sb.append(c != '/' && c != '%' && c < 0x80 && rnd.nextInt(3) == 0 ? String.format("%%%02x", (int) c) : String.valueOf(c));
                }
                path = sb.toString();
                name = "escaped characters";
            }
            case 1 -> {
                String bad = pick(rnd, new String[] {"%zz", "%", "%4", "%C3%28", "%00", "%E2%82", "%FF", "%2F", "%25", "%ED%A0%80", "%C0%80"});
                int at = inside(rnd, path);
                path = path.substring(0, at) + bad + path.substring(at);
                name = "escape " + bad;
            }
            case 2 -> {
                String dots = pick(rnd, new String[] {"/..", "/.", "/../..", "/%2e%2e", "/.%2E", "/..%2F..%2Fetc%2Fpasswd", "/..;/"});
                int slash = path.lastIndexOf('/');
                path = rnd.nextBoolean() ? path + dots : path.substring(0, Math.max(0, slash)) + dots + path.substring(Math.max(0, slash));
                name = "dot segments " + dots;
            }
            case 3 -> {
                path = rnd.nextBoolean() ? path.replaceFirst("/", "//") : path + "/";
                name = "empty segment";
            }
            case 4 -> {
                int n = BodyMutations.pick(rnd, new int[] {300, 4_000, 8_100, 8_300, 70_000});
                path = path + "/" + "s".repeat(n);
                name = "a segment of " + n;
            }
            case 5 -> {
                String c = pick(rnd, new String[] {"\u0000", "\t", "\u007f", "\u001b[31m", "\r", "\n", "\\", "\"", "<", "`", "{}", "|"});
                int at = inside(rnd, path);
                path = path.substring(0, at) + c + path.substring(at);
                name = "raw control or unsafe " + c.chars().mapToObj(Integer::toHexString).toList();
            }
            case 6 -> {
                path = path + "/" + pick(rnd, new String[] {"\u043a\u043b\u044e\u0447", "\u4e2d\u6587", "\uD83D\uDE00", "\u00e9", "\u202e"});
                name = "raw unicode";
            }
            case 7 -> {
                path = rnd.nextBoolean() ? path.toUpperCase(Locale.ROOT) : path.replace("v1", "v2");
                name = "another spelling";
            }
            case 8 -> {
                path = "http://127.0.0.1" + path;
                name = "absolute form";
            }
            case 9 -> {
                path = pick(rnd, new String[] {"*", "", "?", "#", "/#x", "//", "/./", "v1/features", "127.0.0.1:80", "/%", "/;"});
                query = "";
                name = "target '" + path + "'";
            }
            case 10 -> {
                query = pick(rnd, new String[] {"?a=%zz", "?&&=&a", "?" + "q".repeat(7_000), "?account_id=", "?account_id=%00",
                    "?account_id=a&account_id=b", "?=", "?%", "?a=1#frag", "?a=\u00e9", "?access_token=" + ServingStack.ADMIN_TOKEN});
                name = "query " + abbreviated(query);
            }
            case 11 -> {
                path = path + ";jsessionid=1";
                name = "matrix parameter";
            }
            case 12 -> {
                int cut = inside(rnd, path);
                path = path.substring(0, cut);
                name = "cut path";
            }
            case 13 -> {
                path = path.replace("/", rnd.nextBoolean() ? "\\" : "%2F");
                name = "other separators";
            }
            default -> {
                path = path + "/" + pick(rnd, new String[] {"x", "account_payments", "a/b/c", "%20", "+"});
                name = "an extra segment";
            }
        }
        d.target = path + query;
        d.names.add("path: " + name);
    }

    /** A position in {@code path} after its first character (0 in an empty path, which an earlier mutation may leave). */
    private static int inside(Random rnd, String path) {
        return path.isEmpty() ? 0 : 1 + rnd.nextInt(path.length());
    }

    private static void headers(Random rnd, Draft d) {
        List<String> h = d.headers;
        switch (rnd.nextInt(14)) {
            case 0 -> {
                h.removeIf(x -> x.toLowerCase(Locale.ROOT).startsWith("content-type:"));
                String type = pick(rnd, CONTENT_TYPES);
                h.add("Content-Type: " + type);
                d.names.add("Content-Type '" + type + "'");
            }
            case 1 -> {
                h.removeIf(x -> x.toLowerCase(Locale.ROOT).startsWith("content-type:"));
                d.names.add("no Content-Type");
            }
            case 2 -> {
                h.add("Content-Type: " + pick(rnd, CONTENT_TYPES));
                h.add("Content-Type: application/json");
                d.names.add("two Content-Types");
            }
            case 3 -> {
                h.removeIf(x -> x.startsWith("Authorization:"));
                String c = pick(rnd, CREDENTIALS);
                if (c != null) {
                    h.add("Authorization: " + c);
                }
                if (d.server != Server.SECURED && rnd.nextBoolean()) {
                    h.add("Authorization: Bearer " + ServingStack.READ_TOKEN);
                }
                d.names.add("credentials " + (c == null ? "none" : abbreviated(c)));
            }
            case 4 -> {
                if (rnd.nextBoolean()) {
                    h.removeIf(x -> x.startsWith("Host:"));
                    d.names.add("no Host");
                } else {
                    h.add("Host: " + pick(rnd, new String[] {"evil.example", "", "127.0.0.1:99999", "[::1", "a b"}));
                    d.names.add("two Hosts");
                }
            }
            case 5 -> {
                int n = BodyMutations.pick(rnd, new int[] {1_000, 15_000, 17_000, 100_000});
                h.add("X-Big: " + "b".repeat(n));
                d.names.add("a header of " + n);
            }
            case 6 -> {
                int n = BodyMutations.pick(rnd, new int[] {100, 700, 3_000});
                for (int i = 0; i < n; i++) {
                    h.add("X-Many-" + i + ": " + i);
                }
                d.names.add(n + " headers");
            }
            case 7 -> {
                String line = pick(rnd, new String[] {"NoColon", " Folded: x", "\tFolded: x", "Bad Name: x", "X-Ctl: a\u0001b", ": nameless",
                    "X-Bin: \u00ff\u00fe", "X-Nul: a\u0000b", "X-Empty:", "X-Colons:::", "X-Utf8: \u4e2d\uD83D\uDE00", "X-CR: a\rb",
                    "Content-Length : 5", "Transfer-Encoding : chunked"});
                h.add(rnd.nextInt(h.size() + 1), line);
                d.names.add("header line '" + line + "'");
            }
            case 8 -> {
                String e = pick(rnd, new String[] {"100-continue", "100-Continue", "200-ok", "", "100-continue, foo", "x"});
                h.add("Expect: " + e);
                d.names.add("Expect '" + e + "'");
            }
            case 9 -> {
                String u = pick(rnd, new String[] {"Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__",
                    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13",
                    "Connection: close, close", "Connection: keep-alive, Upgrade", "Connection: TE\r\nTE: trailers", "Upgrade: HTTP/2.0"});
                h.add(u);
                d.names.add("upgrade or connection '" + u.split("\r\n")[0] + "'");
            }
            case 10 -> {
                String o = pick(rnd, new String[] {"http://evil.example", "null", "%%%", "http://127.0.0.1", "file://", "http://[::1"});
                h.add("Origin: " + o);
                d.names.add("Origin " + o);
            }
            case 11 -> {
                h.removeIf(x -> x.startsWith("X-Request-Id:"));
                String id = pick(rnd, new String[] {"", "i".repeat(129), "a b", "\u00e9", "x\u0001", "id-1\r\nX-Injected: 1"});
                h.add("X-Request-Id: " + id);
                d.names.add("request id '" + abbreviated(id) + "'");
            }
            case 12 -> {
                String e = pick(rnd, new String[] {"Content-Encoding: gzip", "Content-Encoding: br, identity", "Content-Encoding: x"});
                h.add(e);
                d.names.add(e);
            }
            default -> {
                String c = "If-None-Match: " + pick(rnd, new String[] {"*", "\"x\"", "W/\"\"", ",,,", "\"" + "e".repeat(5_000) + "\""});
                h.add(c);
                d.names.add(abbreviated(c));
            }
        }
    }

    private static void framing(Random rnd, Draft d) {
        if (d.body == null) {
            d.body = "{\"entities\": []}".getBytes(StandardCharsets.UTF_8);
        }
        int n = d.body.length;
        switch (rnd.nextInt(8)) {
            case 0 -> d.framing = Framing.LENGTH_SHORT;
            case 1 -> d.framing = Framing.LENGTH_LONG;
            case 2, 3 -> d.framing = Framing.CHUNKED_BAD;
            default -> {
                d.framing = Framing.RAW;
                String[] raw = {"Content-Length: " + n + "\r\nContent-Length: " + (n + 1),
                    "Content-Length: " + n + "\r\nContent-Length: " + n,
                    "Content-Length: " + n + ", " + n,
                    "Content-Length: -1",
                    "Content-Length: +" + n,
                    "Content-Length: 0" + n,
                    "Content-Length: " + n + "0000000000000000000000",
                    "Content-Length: lots",
                    "Content-Length: " + n + "\r\nTransfer-Encoding: chunked",
                    "Transfer-Encoding: chunked\r\nContent-Length: " + n,
                    "Transfer-Encoding: gzip, chunked\r\nContent-Length: " + n,
                    "Transfer-Encoding: xchunked\r\nContent-Length: " + n,
                    "Transfer-Encoding: chunked, identity\r\nContent-Length: " + n,
                    "Transfer-Encoding: identity\r\nContent-Length: " + n};
                String framing = pick(rnd, raw);
                d.headers.add(framing);
                d.names.add("framing '" + framing.replace("\r\n", " + ") + "'");
                return;
            }
        }
        d.names.add("framing " + d.framing);
    }

    private static String abbreviated(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "...(" + s.length() + ")" : s;
    }
}
