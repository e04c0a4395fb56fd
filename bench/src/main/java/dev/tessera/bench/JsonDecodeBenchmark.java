package dev.tessera.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding one Kafka record value — a realistic ~250-byte payment in JSON, with a nested billing
 * object and fields nobody reads — into the 6 fields a feature group's layout asks for
 * (two ids, amount, status, event time, {@code billing.country}).
 *
 * <p>Measured: {@code JsonEventDecoder} through {@link EventDecoders#json}: Jackson's streaming parser,
 * keeping only layout fields and skipping the rest, values converted to canonical types.
 *
 * <p>Baseline: what a user would write with Jackson databind — {@code ObjectMapper.readTree} and
 * field lookups on the tree, with the same canonical conversion.
 *
 * <p>Run: {@code mvn -B -ntp -q package -pl bench -am -DskipTests && java -jar bench/target/benchmarks.jar JsonDecode}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class JsonDecodeBenchmark {
    static final String PAYMENT = "{\"payment_id\":\"pay_8f3a2c1e9b7d4f60\",\"account_id\":\"acc_10293847\","
            + "\"card_fingerprint\":\"fp_a1b2c3d4e5f60718\",\"amount\":129.95,\"currency\":\"EUR\","
            + "\"status\":\"DECLINED\",\"merchant_id\":\"m_5521\",\"channel\":\"web\","
            + "\"event_time\":1764121469123,\"billing\":{\"country\":\"FR\",\"zip\":\"75001\"}}";
    static final FieldLayout LAYOUT = FieldLayout.of(
            "payment_id", "account_id", "amount", "status", "event_time", "billing.country");

    byte[] value;
    EventDecoder decoder;
    ObjectMapper mapper;

    @Setup
    public void setUp() throws IOException {
        value = PAYMENT.getBytes(StandardCharsets.UTF_8);
        decoder = EventDecoders.json(LAYOUT);
        mapper = new ObjectMapper();
        Event e = decoder.decode(value).event();
        Object[] baseline = baselineDatabindReadTree();
        for (int slot = 0; slot < LAYOUT.size(); slot++) {
            if (!e.get(slot).equals(baseline[slot])) {
                throw new IllegalStateException("decoders disagree on " + LAYOUT.names().get(slot) + ": "
                        + e.get(slot) + " vs " + baseline[slot]);
            }
        }
        if (value.length < 230 || value.length > 270) {
            throw new IllegalStateException("payload is " + value.length + " bytes, expected about 250");
        }
    }

    @Benchmark
    public Decoded streamingDecoder() {
        return decoder.decode(value);
    }

    @Benchmark
    public Object[] baselineDatabindReadTree() throws IOException {
        JsonNode root = mapper.readTree(value);
        Object[] out = new Object[6];
        out[0] = text(root.get("payment_id"));
        out[1] = text(root.get("account_id"));
        out[2] = number(root.get("amount"));
        out[3] = text(root.get("status"));
        out[4] = number(root.get("event_time"));
        out[5] = text(root.path("billing").get("country"));
        return out;
    }

    private static Object text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static Object number(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        return n.isIntegralNumber() && n.canConvertToLong() ? (Object) n.longValue() : (Object) n.doubleValue();
    }
}
