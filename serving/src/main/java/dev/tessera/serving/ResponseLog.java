package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sampled logging of served feature values, for {@code tessera consistency} (SPEC §5): one JSON line
 * per group read of a sampled request —
 * {@code {"ts": <as_of>, "group": "...", "entity": {...}, "features": {"<served name>": value}, "logged_at": ...}}
 * — in {@code <dir>/responses-YYYY-MM-DD-HH.jsonl} (UTC hour of logging). {@code ts} is the read
 * time the values are exact for (SPEC §4 {@code as_of}), so an offline recomputation at {@code ts}
 * must give the same values when no event arrived late.
 *
 * <p>Off the request path: a request samples with one random draw, and a sampled read is handed to a
 * bounded queue that one writer thread drains; when the queue is full the read is dropped and
 * counted ({@link #dropped()}), never waited for. Values are immutable, so they are shared, not copied.
 */
public abstract class ResponseLog implements AutoCloseable {
    /** Logs nothing. */
    public static final ResponseLog NONE = new ResponseLog() {
        @Override
        public boolean sample() {
            return false;
        }

        @Override
        void log(long asOf, String group, List<String> keyFields, List<String> keyValues, List<String> names, List<Object> values) {
        }

        @Override
        public void close() {
        }
    };

    /** Whether to log the request being served (call once per request). */
    public abstract boolean sample();

    /** Logs one group read: the key, and the served features given by {@code names} with their values. */
    abstract void log(long asOf, String group, List<String> keyFields, List<String> keyValues, List<String> names, List<Object> values);

    public long logged() {
        return 0;
    }

    public long dropped() {
        return 0;
    }

    @Override
    public abstract void close();

    /** Logs a fraction {@code rate} (0..1] of requests to JSON-lines files in {@code dir}. */
    public static ResponseLog jsonl(Path dir, double rate) {
        if (!(rate > 0 && rate <= 1)) {
            throw new IllegalArgumentException("the response log sample rate must be in (0, 1], got " + rate);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new dev.tessera.api.TesseraException("cannot create the response log folder " + dir + ": " + e.getMessage(), e);
        }
        return new Jsonl(dir, rate);
    }

    private record Entry(long asOf, long loggedAt, String group, List<String> keyFields, List<String> keyValues, List<String> names,
            List<Object> values) {}

    private static final class Jsonl extends ResponseLog implements Runnable {
        private static final Logger LOG = LoggerFactory.getLogger(ResponseLog.class);
        private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH").withZone(ZoneOffset.UTC);
        private static final Entry STOP = new Entry(0, 0, null, null, null, null, null);

        private final Path dir;
        private final double rate;
        private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(16_384);
        private final AtomicLong logged = new AtomicLong();
        private final AtomicLong dropped = new AtomicLong();
        private final Thread writer;
        private final JsonFactory json = new JsonFactory();
        private String hour;
        private OutputStream out;

        Jsonl(Path dir, double rate) {
            this.dir = dir;
            this.rate = rate;
            writer = new Thread(this, "tessera-response-log");
            writer.setDaemon(true);
            writer.start();
        }

        @Override
        public boolean sample() {
            return rate >= 1 || ThreadLocalRandom.current().nextDouble() < rate;
        }

        @Override
        void log(long asOf, String group, List<String> keyFields, List<String> keyValues, List<String> names, List<Object> values) {
            if (!queue.offer(new Entry(asOf, System.currentTimeMillis(), group, keyFields, keyValues, names, values))) {
                dropped.incrementAndGet();
            }
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Entry e = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (e == STOP) {
                        break;
                    }
                    if (e == null) {
                        if (out != null) {
                            out.flush();
                        }
                        continue;
                    }
                    write(e);
                }
                for (Entry e; (e = queue.poll()) != null; ) {
                    if (e != STOP) {
                        write(e);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                LOG.error("the response log stopped writing to {}: {}", dir, e.toString());
            } finally {
                try {
                    if (out != null) {
                        out.close();
                    }
                } catch (IOException ignored) {
                    // closing after a write error: nothing more to do
                }
            }
        }

        private void write(Entry e) throws IOException {
            String h = HOUR.format(Instant.ofEpochMilli(e.loggedAt));
            if (!h.equals(hour)) {
                if (out != null) {
                    out.close();
                }
                hour = h;
                out = Files.newOutputStream(dir.resolve("responses-" + h + ".jsonl"), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            try (JsonGenerator g = json.createGenerator(new NonClosing(out), JsonEncoding.UTF8)) {
                g.writeStartObject();
                g.writeNumberField("ts", e.asOf);
                g.writeStringField("group", e.group);
                g.writeObjectFieldStart("entity");
                for (int i = 0; i < e.keyFields.size(); i++) {
                    g.writeStringField(e.keyFields.get(i), e.keyValues.get(i));
                }
                g.writeEndObject();
                g.writeObjectFieldStart("features");
                for (int i = 0; i < e.names.size(); i++) {
                    g.writeFieldName(e.names.get(i));
                    JsonValues.write(g, e.values.get(i));
                }
                g.writeEndObject();
                g.writeNumberField("logged_at", e.loggedAt);
                g.writeEndObject();
            }
            out.write('\n');
            logged.incrementAndGet();
        }

        @Override
        public long logged() {
            return logged.get();
        }

        @Override
        public long dropped() {
            return dropped.get();
        }

        @Override
        public void close() {
            try {
                queue.put(STOP);
                writer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Lets a generator close without closing the file under it. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
