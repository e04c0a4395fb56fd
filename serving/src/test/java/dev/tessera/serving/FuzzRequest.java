package dev.tessera.serving;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * One request of {@link HttpFuzzTest}: the endpoint of {@link HttpApi#ENDPOINTS} it was made for
 * ({@link #JUNK} for none), the server it goes to, whether it is still the valid request the
 * generator made ({@link #mutations} empty) or what was broken, and everything that goes on the
 * wire. {@link #bytes} writes it as HTTP/1.1 bytes, framing the body as {@link #framing} says,
 * lies included. {@code tracked}: events the naive oracle counts once this request is answered 200.
 */
record FuzzRequest(String endpoint, Server server, String method, String target, String version, List<String> headers,
                   byte[] body, Framing framing, String requestId, List<String> mutations, List<NaiveFeatures.Ev> tracked) {

    /** Requests made for no endpoint: junk paths and request lines. */
    static final String JUNK = "(junk)";

    /** The servers of the fuzzed stack. */
    enum Server { OPEN, SECURED, AVRO }

    /**
     * How the body is delimited. The first three are honest and leave the connection usable for the
     * next request; the others lie or leave the request unfinished, so they go alone on a connection
     * whose client side is then closed (else an honest server would rightly wait for the rest).
     */
    enum Framing {
        /** No body and no Content-Length. */
        NONE,
        /** Content-Length is the body's length. */
        LENGTH,
        /** Valid chunked encoding, with extensions and a trailer now and then. */
        CHUNKED,
        /** Content-Length shorter than the body: the rest reads as the next request. */
        LENGTH_SHORT,
        /** Content-Length longer than the body: the request never ends. */
        LENGTH_LONG,
        /** Chunked encoding broken somewhere: a bad size, a missing CRLF, no last chunk. */
        CHUNKED_BAD,
        /** The headers (already in {@link #headers}) frame the body; the body follows them as is. */
        RAW;

        boolean honest() {
            return this == NONE || this == LENGTH || this == CHUNKED;
        }
    }

    boolean valid() {
        return mutations.isEmpty();
    }

    /** A HEAD request: its answer has no body (a lower-case "head" is another, unknown, method). */
    boolean head() {
        return method.equals("HEAD");
    }

    FuzzRequest broken(String method, String target, String version, List<String> headers, byte[] body, Framing framing,
                       List<String> mutations) {
        return new FuzzRequest(endpoint, server, method, target, version, headers, body, framing, requestId, mutations, List.of());
    }

    /** The request as sent; {@code rnd} only decides how a chunked body is cut, and how a bad one is broken. */
    byte[] bytes(Random rnd) {
        StringBuilder head = new StringBuilder().append(method).append(' ').append(target);
        if (!version.isEmpty()) {
            head.append(' ').append(version);
        }
        head.append("\r\n");
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        byte[] payload = body == null ? new byte[0] : body;
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 256);
        switch (framing) {
            case NONE, RAW -> {
                out.writeBytes(utf8(head.append("\r\n")));
                out.writeBytes(payload);
            }
            case LENGTH -> {
                out.writeBytes(utf8(head.append("Content-Length: ").append(payload.length).append("\r\n\r\n")));
                out.writeBytes(payload);
            }
            case LENGTH_SHORT -> {
                out.writeBytes(utf8(head.append("Content-Length: ").append(rnd.nextInt(Math.max(1, payload.length))).append("\r\n\r\n")));
                out.writeBytes(payload);
            }
            case LENGTH_LONG -> {
                out.writeBytes(utf8(head.append("Content-Length: ").append(payload.length + 1 + rnd.nextInt(1_000)).append("\r\n\r\n")));
                out.writeBytes(payload);
            }
            case CHUNKED -> {
                out.writeBytes(utf8(head.append("Transfer-Encoding: chunked\r\n\r\n")));
                chunks(rnd, payload, out);
            }
            case CHUNKED_BAD -> {
                out.writeBytes(utf8(head.append("Transfer-Encoding: chunked\r\n\r\n")));
                badChunks(rnd, payload, out);
            }
            default -> throw new IllegalStateException();
        }
        return out.toByteArray();
    }

    private static void chunks(Random rnd, byte[] payload, ByteArrayOutputStream out) {
        int at = 0;
        while (at < payload.length) {
            int n = Math.min(payload.length - at, 1 + rnd.nextInt(Math.max(1, payload.length / 2 + 1)));
            String size = Integer.toHexString(n);
            out.writeBytes(utf8(new StringBuilder(rnd.nextBoolean() ? size.toUpperCase(Locale.ROOT) : size)
                    .append(rnd.nextInt(5) == 0 ? ";ext=\"1\"" : "").append("\r\n")));
            out.write(payload, at, n);
            out.writeBytes(utf8(new StringBuilder("\r\n")));
            at += n;
        }
        out.writeBytes(utf8(new StringBuilder(rnd.nextInt(4) == 0 ? "0\r\nX-Trailer: t\r\n\r\n" : "0\r\n\r\n")));
    }

    /** What can be wrong with chunks: the size, the CRLF after the data, the trailer, the end. */
    private static void badChunks(Random rnd, byte[] payload, ByteArrayOutputStream out) {
        int n = payload.length;
        String size = Integer.toHexString(n);
        switch (rnd.nextInt(9)) {
            case 0 -> out.writeBytes(utf8(new StringBuilder("zz\r\n")));
            case 1 -> out.writeBytes(utf8(new StringBuilder("-1\r\n")));
            case 2 -> out.writeBytes(utf8(new StringBuilder("fffffffffffffffffff\r\n")));
            case 3 -> out.writeBytes(utf8(new StringBuilder(" ").append(size).append(" \r\n")));
            case 4 -> out.writeBytes(utf8(new StringBuilder(size).append("\r\n"))); // the data and then nothing: no CRLF, no last chunk
            case 5 -> out.writeBytes(utf8(new StringBuilder(Integer.toHexString(n + 10)).append("\r\n"))); // more announced than sent
            case 6 -> out.writeBytes(utf8(new StringBuilder(size).append(";\u0000=\u00ff\r\n")));
            default -> out.writeBytes(utf8(new StringBuilder(size).append("\r\n")));
        }
        out.writeBytes(payload);
        switch (rnd.nextInt(4)) {
            case 0 -> out.writeBytes(utf8(new StringBuilder("0\r\n\r\n"))); // no CRLF after the data
            case 1 -> out.writeBytes(utf8(new StringBuilder("\r\n0\r\nno colon in this trailer\r\n\r\n")));
            case 2 -> out.writeBytes(utf8(new StringBuilder("\r\n"))); // no last chunk
            default -> out.writeBytes(utf8(new StringBuilder("\r\n0\r\n\r\n")));
        }
    }

    private static byte[] utf8(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Stands for what the bytes after a lying request read as: checked like any answer, counted for this endpoint. */
    FuzzRequest junkFollowing() {
        List<String> m = new ArrayList<>(mutations);
        m.add("what followed the lie");
        return new FuzzRequest(endpoint, server, "(the rest)", "", "", List.of(), null, Framing.NONE, null, m, List.of());
    }

    /** The request line and what was broken, for a line about several requests. */
    String brief() {
        String t = target.length() > 80 ? target.substring(0, 80) + "..." : target;
        return method + " " + t + " " + version + " " + framing + (valid() ? "" : " " + mutations);
    }

    /** The request line, headers and the start of the body, for failure messages. */
    String describe() {
        String b = body == null ? "(none)" : new String(body, StandardCharsets.UTF_8);
        List<String> shownHeaders = new ArrayList<>();
        for (String h : headers) {
            shownHeaders.add(h.length() > 200 ? h.substring(0, 200) + "...(" + h.length() + " chars)" : h);
        }
        String t = target.length() > 300 ? target.substring(0, 300) + "...(" + target.length() + " chars)" : target;
        return "[" + server + " " + endpoint + (valid() ? ", valid" : ", broken: " + mutations) + "] " + method + " " + t + " " + version
                + " " + shownHeaders + " " + framing + " body: " + (b.length() > 300 ? b.substring(0, 300) + "...(" + body.length
                + " bytes)" : b);
    }

    @Override
    public String toString() {
        return describe();
    }
}
