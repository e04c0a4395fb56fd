package dev.tessera.bench.e2e;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A constant-rate HTTP/1.1 load generator over keep-alive connections that does not suffer from
 * coordinated omission (Gil Tene's term; the generator is the one wrk2 describes).
 *
 * <h2>Schedule</h2>
 * The run has one global schedule: request {@code n} is due at {@code start + n / rate}. Connection
 * {@code i} of {@code C} owns requests {@code i, i + C, i + 2C, ...}, so each connection sends at
 * {@code rate / C} and the connections interleave evenly. Each connection is one blocking socket
 * and one thread with at most one request in flight (no pipelining): it sleeps until the next due
 * time, sends, reads the whole answer, checks it, and moves on.
 *
 * <h2>Why latency is measured from the due time</h2>
 * A closed-loop generator that waits for the answer before sending the next request stops sending
 * exactly when the server stalls, so the stall shows up in one sample instead of in every request
 * that should have been sent meanwhile. Here a request whose due time has passed is sent at once
 * and its latency counts from when it was <i>due</i>: a 10 ms stall at 10,000 requests/s costs 100
 * requests between 0 and 10 ms each, as users would see it. Three histograms are kept:
 * <ul>
 *   <li>{@code latency}: answer fully read minus due time (the figure to report);</li>
 *   <li>{@code service}: answer fully read minus actual send (what a closed-loop tool reports);</li>
 *   <li>{@code sendLag}: actual send minus due time: the generator's own lateness (thread wake-up,
 *       about 50-60 µs of Linux timer slack, plus any queueing behind a slow answer). When it is
 *       large while {@code service} is small, the client, not the server, is the bottleneck.</li>
 * </ul>
 * With {@code spinNanos > 0} a thread parks until {@code spinNanos} before the due time and spins
 * the rest, which removes the timer slack from the send lag at the price of CPU (only for machines
 * with cores to spare: spinning threads compete with the server's).
 *
 * <h2>Checks</h2>
 * Every answer is read to its last byte (Content-Length) and handed to the {@link Exchange}: a
 * cheap check on every answer, a full JSON parse on every {@code checkEvery}-th answer of each
 * connection. Failures and I/O errors are counted by reason; a step with errors is invalid.
 *
 * <h2>Slow requests</h2>
 * Requests slower than {@code slowNanos} from their due time are kept (due, sent, answered) so the
 * caller can line them up with what else happened meanwhile: {@link Result#slowAtGc} counts those
 * on or just after a GC pause ({@link GcPauses}), and {@link Result#writeSlow} lists them.
 *
 * <p>If the server cannot keep up, connections fall further and further behind; a step stops
 * anyway at {@code end + max(2 s, duration / 2)}, counts the requests it never sent and is marked
 * as fallen behind (its figures are then lower bounds).
 */
final class LoadGenerator {
    /** Latencies above one minute are clamped. */
    static final long MAX_NANOS = TimeUnit.MINUTES.toNanos(1);

    private LoadGenerator() {}

    /** The file a {@code --slow-log FILE} option names, for {@link Result#writeSlow}; null when {@code file} is null. */
    static PrintStream slowLog(String file) {
        try {
            return file == null ? null : new PrintStream(new FileOutputStream(file), false, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("--slow-log " + file + ": cannot write it (" + e.getMessage() + "); give a writable path", e);
        }
    }

    /**
     * The length of pass {@code pass} (1-based) of a warm-up of {@code totalSeconds} run as
     * {@code passes} steps, each on connections of its own: the seconds split as evenly as whole
     * seconds allow. Why passes: a server's JIT compiles the code a steady load runs, and the first
     * time its clients' connections close and new ones open (the next step), code specialized on
     * paths never taken is deoptimized and compiled again, a few hundred milliseconds of C2 per method
     * competing for the cores while the step is measured (bench/RESULTS.md, "Serving: why the warm-up
     * runs in passes"). Warm-up passes let that happen before the measured steps, as it has in a
     * server whose clients have come and gone for a while.
     */
    static int passSeconds(int totalSeconds, int passes, int pass) {
        if (passes < 1 || totalSeconds < passes) {
            throw new IllegalArgumentException("--warmup-passes " + passes + " with --warmup " + totalSeconds
                    + " s: give at least one pass and at least one second per pass");
        }
        return totalSeconds / passes + (pass <= totalSeconds % passes ? 1 : 0);
    }

    /** One connection's requests and the checks of their answers; used by one thread only. */
    interface Exchange {
        /** Appends the next request (request line, headers, blank line, body) to {@code out}. */
        void nextRequest(Bytes out);

        /**
         * Checks the answer to the last request: null when it is right, else a short reason (used
         * as a counter key, so keep the variety small). {@code deep}: parse the whole body.
         */
        String check(int status, byte[] buf, int off, int len, boolean deep);
    }

    /** What one step measured. */
    static final class Result {
        final String name;
        final double targetRate;
        final int connections;
        final Duration duration;
        final Histogram latency = new Histogram(MAX_NANOS, 3);
        final Histogram service = new Histogram(MAX_NANOS, 3);
        final Histogram sendLag = new Histogram(MAX_NANOS, 3);
        final Map<String, Long> errors = new TreeMap<>();
        long completed;
        long unsent;
        long bytesRead;
        boolean fellBehind;
        double elapsedSeconds;
        String firstError;
        /** Requests slower than the step's threshold from their due time, and how many of them fell on a GC pause. */
        long slow;
        long slowAtGc;
        /** When the step's schedule began and its last answer arrived (nanoTime). */
        long startNanos;
        long endNanos;
        /** The slow requests: connection, due, sent, answered (nanoTime), four longs each. */
        long[] slowRequests = new long[0];

        Result(String name, double targetRate, int connections, Duration duration) {
            this.name = name;
            this.targetRate = targetRate;
            this.connections = connections;
            this.duration = duration;
        }

        long errorCount() {
            long n = 0;
            for (long v : errors.values()) {
                n += v;
            }
            return n;
        }

        double achievedRate() {
            return elapsedSeconds <= 0 ? 0 : completed / elapsedSeconds;
        }

        boolean valid() {
            return errors.isEmpty() && !fellBehind;
        }

        /**
         * Writes one line per slow request, in due order: due time (epoch milliseconds), connection,
         * latency, service time and send lag (microseconds), and whether it fell on a GC pause.
         */
        void writeSlow(PrintStream out, GcPauses gc, long gcTailNanos) {
            long epochMinusNano = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
            Integer[] order = new Integer[slowRequests.length / 4];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> Long.compare(slowRequests[4 * x + 1], slowRequests[4 * y + 1]));
            for (int i : order) {
                long due = slowRequests[4 * i + 1];
                long sent = slowRequests[4 * i + 2];
                long done = slowRequests[4 * i + 3];
                out.printf("%s %d %d %d %d %d %s%n", name.replace(' ', '_'), (epochMinusNano + due) / 1_000_000L, slowRequests[4 * i],
                        (done - due) / 1000, (done - sent) / 1000, (sent - due) / 1000,
                        gc != null && gc.near(due, done, gcTailNanos) ? "gc" : "-");
            }
        }

        /** Microseconds at {@code percentile} of the latency from the due time. */
        double latencyMicros(double percentile) {
            return latency.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    /**
     * Runs one step: {@code connections} keep-alive connections to {@code address}, requests due at
     * {@code rate} per second in total for {@code duration}. Requests slower than {@code slowNanos}
     * from their due time are kept; those that fell on a pause of {@code gc} (may be null) or were
     * due within {@code gcTailNanos} after one are counted (see {@link GcPauses#near}).
     */
    static Result run(String name, InetSocketAddress address, int connections, double rate, Duration duration,
                      IntFunction<Exchange> exchanges, int checkEvery, long spinNanos, long slowNanos, GcPauses gc,
                      long gcTailNanos) throws InterruptedException {
        Result result = new Result(name, rate, connections, duration);
        Worker[] workers = new Worker[connections];
        for (int i = 0; i < connections; i++) {
            workers[i] = new Worker(i, connections, address, exchanges.apply(i), rate, checkEvery, spinNanos, slowNanos);
        }
        for (Worker w : workers) {
            try {
                w.connection = HttpConnection.open(address);
            } catch (IOException e) {
                throw new IllegalStateException("cannot connect to " + address + ": " + e, e);
            }
        }
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long end = start + duration.toNanos();
        long hardStop = end + Math.max(TimeUnit.SECONDS.toNanos(2), duration.toNanos() / 2);
        Thread[] threads = new Thread[connections];
        for (int i = 0; i < connections; i++) {
            Worker w = workers[i];
            w.start = start;
            w.end = end;
            w.hardStop = hardStop;
            threads[i] = new Thread(w, "load-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        long lastDone = start;
        for (int i = 0; i < connections; i++) {
            threads[i].join();
            Worker w = workers[i];
            if (w.connection != null) {
                w.connection.closeQuietly();
            }
            result.latency.add(w.latency);
            result.service.add(w.service);
            result.sendLag.add(w.sendLag);
            result.completed += w.completed;
            result.unsent += w.unsent;
            result.bytesRead += w.bytesRead;
            result.fellBehind |= w.unsent > 0;
            w.errors.forEach((k, v) -> result.errors.merge(k, v, Long::sum));
            if (result.firstError == null) {
                result.firstError = w.firstError;
            }
            lastDone = Math.max(lastDone, w.lastDone);
            int at = result.slowRequests.length;
            result.slowRequests = Arrays.copyOf(result.slowRequests, at + w.slowCount * 4);
            System.arraycopy(w.slow, 0, result.slowRequests, at, w.slowCount * 4);
        }
        result.elapsedSeconds = (lastDone - start) / 1e9;
        result.slow = result.slowRequests.length / 4;
        if (gc != null) {
            gc.refreshServer();
        }
        result.startNanos = start;
        result.endNanos = lastDone;
        for (int i = 0; gc != null && i < result.slow; i++) {
            if (gc.near(result.slowRequests[4 * i + 1], result.slowRequests[4 * i + 3], gcTailNanos)) {
                result.slowAtGc++;
            }
        }
        return result;
    }

    private static final class Worker implements Runnable {
        final int index;
        final int connections;
        final InetSocketAddress address;
        final Exchange exchange;
        final double periodNanos;
        final int checkEvery;
        final long spinNanos;
        final long slowNanos;
        /** Slow requests: index, due, sent, answered. */
        long[] slow = new long[1024];
        int slowCount;
        final Bytes request = new Bytes(512);
        final Histogram latency = new Histogram(MAX_NANOS, 3);
        final Histogram service = new Histogram(MAX_NANOS, 3);
        final Histogram sendLag = new Histogram(MAX_NANOS, 3);
        final Map<String, Long> errors = new TreeMap<>();
        HttpConnection connection;
        long start;
        long end;
        long hardStop;
        long completed;
        long unsent;
        long bytesRead;
        long lastDone;
        String firstError;

        Worker(int index, int connections, InetSocketAddress address, Exchange exchange, double rate, int checkEvery,
               long spinNanos, long slowNanos) {
            this.slowNanos = slowNanos;
            this.index = index;
            this.connections = connections;
            this.address = address;
            this.exchange = exchange;
            this.periodNanos = 1e9 / rate;
            this.checkEvery = checkEvery;
            this.spinNanos = spinNanos;
        }

        private long due(long k) {
            return start + (long) ((k * (double) connections + index) * periodNanos);
        }

        @Override
        public void run() {
            long k = 0;
            for (long due = due(k); due < end; due = due(++k)) {
                long now = System.nanoTime();
                if (now >= hardStop) {
                    for (; due < end; due = due(++k)) {
                        unsent++;
                    }
                    break;
                }
                while (now < due - spinNanos) {
                    LockSupport.parkNanos(due - spinNanos - now);
                    now = System.nanoTime();
                }
                while (now < due) {
                    Thread.onSpinWait();
                    now = System.nanoTime();
                }
                request.clear();
                exchange.nextRequest(request);
                long sent = System.nanoTime();
                try {
                    if (connection == null) {
                        connection = HttpConnection.open(address);
                    }
                    connection.write(request);
                    connection.readResponse();
                    long done = System.nanoTime();
                    lastDone = done;
                    completed++;
                    bytesRead += connection.bodyLength;
                    latency.recordValue(Math.min(MAX_NANOS, done - due));
                    service.recordValue(Math.min(MAX_NANOS, done - sent));
                    sendLag.recordValue(Math.min(MAX_NANOS, Math.max(0, sent - due)));
                    if (done - due > slowNanos) {
                        keepSlow(due, sent, done);
                    }
                    String bad = exchange.check(connection.status, connection.buf, connection.bodyStart,
                            connection.bodyLength, checkEvery > 0 && k % checkEvery == 0);
                    if (bad != null) {
                        error(bad, connection.bodyExcerpt());
                    }
                    if (connection.closeAfter) {
                        connection.closeQuietly();
                        connection = null;
                    }
                } catch (IOException | RuntimeException e) {
                    error("io: " + e.getClass().getSimpleName(), e.toString());
                    if (connection != null) {
                        connection.closeQuietly();
                        connection = null;
                    }
                }
            }
        }

        private void keepSlow(long due, long sent, long done) {
            if (slowCount * 4 == slow.length) {
                slow = Arrays.copyOf(slow, slow.length * 2);
            }
            int at = slowCount++ * 4;
            slow[at] = index;
            slow[at + 1] = due;
            slow[at + 2] = sent;
            slow[at + 3] = done;
        }

        private void error(String reason, String detail) {
            errors.merge(reason, 1L, Long::sum);
            if (firstError == null) {
                firstError = reason + ": " + detail;
            }
        }
    }

    /** A growable byte buffer for building requests without garbage. */
    static final class Bytes {
        byte[] a;
        int n;

        Bytes(int capacity) {
            a = new byte[capacity];
        }

        void clear() {
            n = 0;
        }

        private void ensure(int more) {
            if (n + more > a.length) {
                a = Arrays.copyOf(a, Math.max(a.length * 2, n + more));
            }
        }

        Bytes append(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, a, n, b.length);
            n += b.length;
            return this;
        }

        Bytes append(Bytes b) {
            ensure(b.n);
            System.arraycopy(b.a, 0, a, n, b.n);
            n += b.n;
            return this;
        }

        Bytes append(int v) {
            ensure(11);
            if (v < 0) {
                a[n++] = '-';
                v = -v;
            }
            int digits = 1;
            for (int x = v; x >= 10; x /= 10) {
                digits++;
            }
            for (int i = n + digits - 1; i >= n; i--) {
                a[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
            n += digits;
            return this;
        }

        static byte[] ascii(String s) {
            return s.getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** One keep-alive HTTP/1.1 client connection over a blocking socket; answers must carry Content-Length. */
    static final class HttpConnection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        byte[] buf = new byte[64 * 1024];
        private int lim;
        private int next;
        int status;
        int bodyStart;
        int bodyLength;
        boolean closeAfter;

        private HttpConnection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        static HttpConnection open(InetSocketAddress address) throws IOException {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            s.connect(address, 5_000);
            return new HttpConnection(s);
        }

        void write(Bytes request) throws IOException {
            out.write(request.a, 0, request.n);
        }

        /** Reads one whole answer: status, headers, and Content-Length bytes of body into {@link #buf}. */
        void readResponse() throws IOException {
            if (next < lim) { // bytes beyond the last answer (never expected without pipelining): keep them
                System.arraycopy(buf, next, buf, 0, lim - next);
                lim -= next;
            } else {
                lim = 0;
            }
            next = 0;
            int headerEnd;
            int scanned = 0;
            while ((headerEnd = indexOfBlankLine(buf, Math.max(0, scanned - 3), lim)) < 0) {
                scanned = lim;
                fill(lim + 1);
            }
            if (headerEnd < 12 || buf[0] != 'H' || buf[8] != ' ') {
                throw new IOException("not an HTTP/1.x status line");
            }
            status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
            int contentLength = -1;
            closeAfter = false;
            int line = indexOfCrlf(buf, 0, headerEnd) + 2;
            while (line < headerEnd) {
                int eol = indexOfCrlf(buf, line, headerEnd + 2);
                if (startsWithIgnoreCase(buf, line, eol, "content-length:")) {
                    contentLength = parseInt(buf, line + 15, eol);
                } else if (startsWithIgnoreCase(buf, line, eol, "connection:")) {
                    closeAfter = containsIgnoreCase(buf, line + 11, eol, "close");
                }
                line = eol + 2;
            }
            if (contentLength < 0) {
                throw new IOException("answer without Content-Length");
            }
            bodyStart = headerEnd + 4;
            bodyLength = contentLength;
            fill(bodyStart + contentLength);
            next = bodyStart + contentLength;
        }

        /** Reads until at least {@code upTo} bytes are in the buffer. */
        private void fill(int upTo) throws IOException {
            if (upTo > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(upTo, buf.length * 2));
            }
            while (lim < upTo) {
                int r = in.read(buf, lim, buf.length - lim);
                if (r < 0) {
                    throw new IOException("connection closed by the server");
                }
                lim += r;
            }
        }

        String bodyExcerpt() {
            int n = Math.min(bodyLength, 300);
            return "HTTP " + status + " " + new String(buf, bodyStart, n, StandardCharsets.UTF_8) + (n < bodyLength ? "..." : "");
        }

        void closeQuietly() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing after the step or after an error; nothing to do
            }
        }

        private static int indexOfBlankLine(byte[] b, int from, int to) {
            for (int i = from; i + 3 < to; i++) {
                if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private static int indexOfCrlf(byte[] b, int from, int to) {
            for (int i = from; i + 1 < to; i++) {
                if (b[i] == '\r' && b[i + 1] == '\n') {
                    return i;
                }
            }
            return to;
        }

        private static boolean startsWithIgnoreCase(byte[] b, int from, int to, String prefix) {
            if (to - from < prefix.length()) {
                return false;
            }
            for (int i = 0; i < prefix.length(); i++) {
                if (Character.toLowerCase((char) b[from + i]) != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean containsIgnoreCase(byte[] b, int from, int to, String word) {
            for (int i = from; i + word.length() <= to; i++) {
                if (startsWithIgnoreCase(b, i, to, word)) {
                    return true;
                }
            }
            return false;
        }

        private static int parseInt(byte[] b, int from, int to) throws IOException {
            int v = 0;
            boolean any = false;
            for (int i = from; i < to; i++) {
                byte c = b[i];
                if (c >= '0' && c <= '9') {
                    v = v * 10 + (c - '0');
                    any = true;
                } else if (c != ' ' && c != '\t') {
                    throw new IOException("bad Content-Length");
                }
            }
            if (!any) {
                throw new IOException("empty Content-Length");
            }
            return v;
        }
    }
}
