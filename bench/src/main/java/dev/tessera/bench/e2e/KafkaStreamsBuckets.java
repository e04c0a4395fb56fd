package dev.tessera.bench.e2e;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.datasketches.common.ArrayOfStringsSerDe;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The values of {@link KafkaStreamsBaseline}: the parsed payment on its repartition topic, one
 * aggregate class per hop holding only the features of that hop's windows, and the lifetime last
 * country, each with a hand-written binary serde.
 *
 * <h2>Why hand-written serdes</h2>
 * Kafka Streams keeps a DSL aggregate as bytes, in its record cache and in RocksDB alike, so every
 * event deserializes its window's aggregate, updates it and serializes it again (the cache saves the
 * RocksDB write and the changelog record until the next commit, not the serde). The serde is then
 * the hot path, and the layouts below are what a team would write for it: fixed-width numbers, a
 * length and UTF-8 for strings, the DataSketches sketches in their own compact images. No Java
 * serialization, no JSON.
 *
 * <h2>Sketches, as Tessera configures its own</h2>
 * Tessera's choices (core/agg) are copied so both answer with the same accuracy: approx_percentile a
 * {@link KllDoublesSketch} of k = {@value #KLL_K} (PercentileIr: 1% rank error at 99% confidence;
 * the library's default 200 would be cheaper and less accurate), approx_distinct an
 * {@link HllSketch} of lgK = {@value #HLL_LG_K} (DistinctIr), top_k an {@link ItemsSketch} of
 * maxMapSize {@value #TOP_K_MAP_SIZE} (TopKIr for k ≤ 16). Tessera's own classes are not used
 * (its "exact while small" modes are part of what is measured): the sketches are used as their
 * documentation shows.
 *
 * <pre>
 * Payment (repartition topic), 17 bytes + 3 strings
 *   long event time | byte flags (1 = DECLINED) | double amount | str card | str merchant | str country
 * Bucket5m (hop 5m: the 1h windows), 24 bytes
 *   long count | long declined | double amount sum
 * Bucket1h (hop 1h: the 1d and 7d windows)
 *   long count | long declined | double amount sum
 *   bytes KLL amounts (k = 300) | bytes HLL cards (lgK 15, compact) | bytes ItemsSketch merchants (256)
 *   byte n (0..5) | n × (long event time, str card), newest first
 * Bucket1d (hop 1d: the 30d windows)
 *   double amount sum | bytes HLL cards
 * LastCountry (lifetime)
 *   long event time | str country
 * str:   unsigned short length, UTF-8 bytes       bytes: int length, the bytes (0 = empty sketch)
 * </pre>
 * Numbers are big-endian. The buckets' 10s hop (the 10m count) needs no class: a Long.
 */
final class KafkaStreamsBuckets {
    static final int KLL_K = 300;
    static final int HLL_LG_K = 15;
    static final int TOP_K_MAP_SIZE = 256;
    static final int LAST_K = 5;
    private static final ArrayOfStringsSerDe STRINGS = new ArrayOfStringsSerDe();

    private KafkaStreamsBuckets() {}

    /** One payment, parsed once from JSON before the repartition. */
    record Payment(long eventTime, boolean declined, double amount, String card, String merchant, String country) {
        static final Serde<Payment> SERDE = serde(
                p -> new Out(17 + 6 + p.card.length() + p.merchant.length() + p.country.length())
                        .putLong(p.eventTime).putByte(p.declined ? 1 : 0).putDouble(p.amount)
                        .putString(p.card).putString(p.merchant).putString(p.country).bytes(),
                in -> new Payment(in.getLong(), (in.getByte() & 1) != 0, in.getDouble(), in.getString(), in.getString(),
                        in.getString()));
    }

    /** The 1h windows' features over one 5-minute tumbling window. */
    static final class Bucket5m {
        static final Serde<Bucket5m> SERDE = serde(
                b -> new Out(24).putLong(b.count).putLong(b.declined).putDouble(b.amountSum).bytes(),
                in -> {
                    Bucket5m b = new Bucket5m();
                    b.count = in.getLong();
                    b.declined = in.getLong();
                    b.amountSum = in.getDouble();
                    return b;
                });
        long count;
        long declined;
        double amountSum;

        /** Adds in place: the aggregate was just deserialized for this event, nobody else holds it. */
        Bucket5m add(Payment p) {
            count++;
            declined += p.declined ? 1 : 0;
            amountSum += p.amount;
            return this;
        }
    }

    /** The 1d and 7d windows' features over one 1-hour tumbling window. */
    static final class Bucket1h {
        static final Serde<Bucket1h> SERDE = serde(Bucket1h::encode, Bucket1h::decode);
        long count;
        long declined;
        double amountSum;
        KllDoublesSketch amounts;
        HllSketch cards;
        ItemsSketch<String> merchants;
        /** The newest {@value #LAST_K} payments' cards, newest first (ties: the later arrival first). */
        long[] lastTimes = new long[0];
        String[] lastCards = new String[0];

        Bucket1h add(Payment p) {
            count++;
            declined += p.declined ? 1 : 0;
            amountSum += p.amount;
            if (amounts == null) {
                amounts = KllDoublesSketch.newHeapInstance(KLL_K);
                cards = new HllSketch(HLL_LG_K);
                merchants = new ItemsSketch<>(TOP_K_MAP_SIZE);
            }
            amounts.update(p.amount);
            cards.update(p.card);
            merchants.update(p.merchant);
            addLast(p.eventTime, p.card);
            return this;
        }

        private void addLast(long time, String card) {
            int n = lastTimes.length;
            int at = 0;
            while (at < n && lastTimes[at] > time) {
                at++;
            }
            if (at == LAST_K) {
                return;
            }
            int size = Math.min(LAST_K, n + 1);
            long[] times = new long[size];
            String[] cardsKept = new String[size];
            System.arraycopy(lastTimes, 0, times, 0, at);
            System.arraycopy(lastCards, 0, cardsKept, 0, at);
            times[at] = time;
            cardsKept[at] = card;
            System.arraycopy(lastTimes, at, times, at + 1, size - at - 1);
            System.arraycopy(lastCards, at, cardsKept, at + 1, size - at - 1);
            lastTimes = times;
            lastCards = cardsKept;
        }

        private byte[] encode() {
            byte[] kll = amounts == null ? new byte[0] : amounts.toByteArray();
            byte[] hll = cards == null ? new byte[0] : cards.toCompactByteArray();
            byte[] items = merchants == null ? new byte[0] : merchants.toByteArray(STRINGS);
            int size = 24 + 12 + kll.length + hll.length + items.length + 1;
            for (String c : lastCards) {
                size += 10 + c.length() * 3;
            }
            Out out = new Out(size).putLong(count).putLong(declined).putDouble(amountSum).putBytes(kll).putBytes(hll).putBytes(items)
                    .putByte(lastTimes.length);
            for (int i = 0; i < lastTimes.length; i++) {
                out.putLong(lastTimes[i]).putString(lastCards[i]);
            }
            return out.bytes();
        }

        private static Bucket1h decode(In in) {
            Bucket1h b = new Bucket1h();
            b.count = in.getLong();
            b.declined = in.getLong();
            b.amountSum = in.getDouble();
            Memory kll = in.getMemory();
            Memory hll = in.getMemory();
            Memory items = in.getMemory();
            if (kll != null) {
                b.amounts = KllDoublesSketch.heapify(kll);
                b.cards = HllSketch.heapify(hll);
                b.merchants = ItemsSketch.getInstance(items, STRINGS);
            }
            int n = in.getByte();
            b.lastTimes = new long[n];
            b.lastCards = new String[n];
            for (int i = 0; i < n; i++) {
                b.lastTimes[i] = in.getLong();
                b.lastCards[i] = in.getString();
            }
            return b;
        }
    }

    /** The 30d windows' features over one 1-day tumbling window. */
    static final class Bucket1d {
        static final Serde<Bucket1d> SERDE = serde(
                b -> {
                    byte[] hll = b.cards == null ? new byte[0] : b.cards.toCompactByteArray();
                    return new Out(12 + hll.length).putDouble(b.amountSum).putBytes(hll).bytes();
                },
                in -> {
                    Bucket1d b = new Bucket1d();
                    b.amountSum = in.getDouble();
                    Memory hll = in.getMemory();
                    b.cards = hll == null ? null : HllSketch.heapify(hll);
                    return b;
                });
        double amountSum;
        HllSketch cards;

        Bucket1d add(Payment p) {
            amountSum += p.amount;
            if (cards == null) {
                cards = new HllSketch(HLL_LG_K);
            }
            cards.update(p.card);
            return this;
        }
    }

    /** The country of the account's newest payment (by event time; ties: the later arrival). */
    record LastCountry(long eventTime, String country) {
        static final LastCountry NONE = new LastCountry(Long.MIN_VALUE, null);
        static final Serde<LastCountry> SERDE = serde(
                l -> new Out(10 + l.country.length() * 3).putLong(l.eventTime).putString(l.country).bytes(),
                in -> new LastCountry(in.getLong(), in.getString()));

        LastCountry add(Payment p) {
            return p.eventTime >= eventTime ? new LastCountry(p.eventTime, p.country) : this;
        }
    }

    private interface Encoder<T> {
        byte[] encode(T value);
    }

    private interface Decoder<T> {
        T decode(In in);
    }

    private static <T> Serde<T> serde(Encoder<T> encoder, Decoder<T> decoder) {
        Serializer<T> serializer = (topic, value) -> value == null ? null : encoder.encode(value);
        Deserializer<T> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return decoder.decode(new In(bytes));
            } catch (RuntimeException e) {
                throw new SerializationException("cannot decode a " + bytes.length + "-byte value of topic " + topic + ": " + e, e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    /** A growable big-endian writer (sized up front by the caller's estimate, so rarely grown). */
    private static final class Out {
        private byte[] buf;
        private int pos;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        private void ensure(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        Out putByte(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
            return this;
        }

        Out putLong(long v) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                buf[pos++] = (byte) (v >>> shift);
            }
            return this;
        }

        Out putDouble(double v) {
            return putLong(Double.doubleToRawLongBits(v));
        }

        Out putInt(int v) {
            ensure(4);
            buf[pos++] = (byte) (v >>> 24);
            buf[pos++] = (byte) (v >>> 16);
            buf[pos++] = (byte) (v >>> 8);
            buf[pos++] = (byte) v;
            return this;
        }

        Out putBytes(byte[] b) {
            putInt(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
            return this;
        }

        Out putString(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > 0xFFFF) {
                throw new SerializationException("a string of " + utf8.length + " UTF-8 bytes exceeds the 65,535 a value field holds");
            }
            ensure(2 + utf8.length);
            buf[pos++] = (byte) (utf8.length >>> 8);
            buf[pos++] = (byte) utf8.length;
            System.arraycopy(utf8, 0, buf, pos, utf8.length);
            pos += utf8.length;
            return this;
        }

        byte[] bytes() {
            return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
        }
    }

    /** The reader of {@link Out}'s layouts; bounds are checked by the array accesses. */
    private static final class In {
        private final byte[] buf;
        private int pos;

        In(byte[] buf) {
            this.buf = buf;
        }

        int getByte() {
            return buf[pos++] & 0xFF;
        }

        long getLong() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = v << 8 | (buf[pos++] & 0xFF);
            }
            return v;
        }

        double getDouble() {
            return Double.longBitsToDouble(getLong());
        }

        int getInt() {
            return (getByte() << 24) | (getByte() << 16) | (getByte() << 8) | getByte();
        }

        /** A length-prefixed sketch image as a read-only region of the value (no copy); null if empty. */
        Memory getMemory() {
            int n = getInt();
            if (n < 0 || pos + n > buf.length) {
                throw new IllegalArgumentException("a sketch image of " + n + " bytes at offset " + pos + " overruns the value");
            }
            Memory m = n == 0 ? null : Memory.wrap(buf).region(pos, n);
            pos += n;
            return m;
        }

        String getString() {
            int n = getByte() << 8 | getByte();
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }
    }
}
