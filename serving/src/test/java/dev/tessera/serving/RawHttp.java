package dev.tessera.serving;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests {@link java.net.http.HttpClient} will not send
 * (invalid escapes, huge headers, garbage request lines, hand-made chunked bodies) and for keeping
 * one connection alive across many requests. Reads one response per {@link #exchange}: interim
 * 1xx answers are skipped; the body is framed by Content-Length, chunked encoding, or the close.
 */
final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean closedByServer;

    RawHttp(int port) {
        this(port, 60_000);
    }

    /** {@code timeoutMillis}: how long a read may block before it fails (a guard against a hang, not a timed assertion). */
    RawHttp(int port, int timeoutMillis) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 65_536);
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One request on a fresh connection. */
    static Reply once(int port, String request) {
        try (RawHttp c = new RawHttp(port)) {
            return c.exchange(request.getBytes(StandardCharsets.UTF_8), false);
        }
    }

    /** {@code method path} with headers (each "Name: value") and a body framed by Content-Length. */
    static byte[] request(String method, String path, List<String> headers, byte[] body) {
        StringBuilder sb = new StringBuilder().append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        if (body != null) {
            sb.append("Content-Length: ").append(body.length).append("\r\n");
        }
        sb.append("\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (body == null) {
            return head;
        }
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /** Whether the server announced it closes the connection after the last answer. */
    boolean closedByServer() {
        return closedByServer;
    }

    /**
     * Whether the server has closed the connection after the last answer: true at the end of the
     * stream (a clean close), false when more bytes follow (they are left to read). Blocks until one
     * of them or the socket timeout; a reset is an IOException.
     */
    boolean atEnd() throws IOException {
        in.mark(1);
        if (in.read() < 0) {
            return true;
        }
        in.reset();
        return false;
    }

    /** Ends the request stream (a FIN): the server sees the end of input after what was written, as from {@code nc -N}. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Everything the server still sends, up to its close. */
    byte[] readAll() throws IOException {
        return in.readAllBytes();
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends {@code request} and reads the answer; {@code head}: the request was HEAD, so the answer has no body. */
    Reply exchange(byte[] request, boolean head) {
        try {
            write(request);
            return read(head);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Reply read(boolean head) throws IOException {
        while (true) {
            String statusLine = line();
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP status line: '" + statusLine + "'");
            }
            int status = Integer.parseInt(parts[1]);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                headers.computeIfAbsent(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(h.substring(colon + 1).trim());
            }
            if (status >= 100 && status < 200) {
                continue;
            }
            byte[] body;
            String length = first(headers, "content-length");
            String encoding = first(headers, "transfer-encoding");
            if (head || status == 204 || status == 304) {
                body = new byte[0];
            } else if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
                body = chunked();
            } else if (length != null) {
                body = in.readNBytes(Integer.parseInt(length));
            } else {
                body = in.readAllBytes();
                closedByServer = true;
            }
            String connection = first(headers, "connection");
            if (connection != null && connection.equalsIgnoreCase("close")) {
                closedByServer = true;
            }
            return new Reply(status, headers, new String(body, StandardCharsets.UTF_8));
        }
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            int n = Integer.parseInt(size.split(";", 2)[0].trim(), 16);
            if (n == 0) {
                while (!line().isEmpty()) {
                    // trailers
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(n));
            line();
        }
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> v = headers.get(name);
        return v == null ? null : v.get(0);
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed by the server mid-answer (read: '" + b.toString(StandardCharsets.UTF_8) + "')");
            }
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing to do
        }
    }
}
