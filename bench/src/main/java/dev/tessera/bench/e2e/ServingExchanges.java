package dev.tessera.bench.e2e;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tessera.bench.e2e.LoadGenerator.Bytes;
import dev.tessera.bench.e2e.LoadGenerator.Exchange;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * The requests of {@link ServingLatencyBench} and the checks of their answers (SPEC §4 shapes).
 * Keys are drawn uniformly from the loaded accounts; requests are built without garbage into the
 * connection's buffer; the cheap checks compare bytes, the deep ones parse with Jackson's streaming
 * parser and check the entity key, the number of features, {@code found}, and that the account's
 * 30-day payment count is at least 1 (every loaded account has a payment in the last day).
 */
final class ServingExchanges {
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] HOST = Bytes.ascii(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    private static final byte[] CRLF = Bytes.ascii("\r\n");
    private static final byte[] ENTITY_PREFIX = Bytes.ascii("{\"entity\":{\"account_id\":\"");
    private static final byte[] FEATURES_PREFIX = Bytes.ascii("\"},\"features\":{");
    private static final byte[] FOUND_TAIL = Bytes.ascii("\"found\":true,\"metadata\":{");
    private static final byte[] RESULTS_PREFIX = Bytes.ascii("{\"results\":[{\"entity\":{\"account_id\":\"");
    private static final byte[] METADATA = Bytes.ascii("\"metadata\":{");
    /** Present and at least 1 for every loaded account. */
    static final String PROBE_FEATURE = "payment_count_30d";

    private final byte[][] keys;
    private final byte[] auth;

    /**
     * @param accounts    keys are {@code a-0 .. a-(accounts-1)}
     * @param bearerToken sent as {@code Authorization: Bearer ...}, or null
     */
    ServingExchanges(int accounts, String bearerToken) {
        keys = new byte[accounts][];
        for (int i = 0; i < accounts; i++) {
            keys[i] = Bytes.ascii(ServingStack.accountKey(i));
        }
        auth = bearerToken == null ? new byte[0] : Bytes.ascii("Authorization: Bearer " + bearerToken + "\r\n");
    }

    /** {@code GET /v1/features/account_serving/{a-N}}, N uniform over the accounts. */
    Exchange oneEntity(long seed) {
        byte[] path = Bytes.ascii("GET /v1/features/" + ServingStack.GROUP + "/");
        SplittableRandom rnd = new SplittableRandom(seed);
        return new Exchange() {
            private int account;

            @Override
            public void nextRequest(Bytes out) {
                account = rnd.nextInt(keys.length);
                out.append(path).append(keys[account]).append(HOST).append(auth).append(CRLF);
            }

            @Override
            public String check(int status, byte[] buf, int off, int len, boolean deep) {
                if (status != 200) {
                    return "status " + status;
                }
                int at = off;
                if (!matches(buf, at, ENTITY_PREFIX) || !matches(buf, at += ENTITY_PREFIX.length, keys[account])
                        || !matches(buf, at + keys[account].length, FEATURES_PREFIX)) {
                    return "entity key not echoed";
                }
                if (buf[off + len - 1] != '}' || lastIndexOf(buf, Math.max(off, off + len - 200), off + len, FOUND_TAIL) < 0) {
                    return "no \"found\":true before metadata";
                }
                if (!deep) {
                    return null;
                }
                try (JsonParser p = JSON.createParser(buf, off, len)) {
                    return entityResult(p, p.nextToken(), ServingStack.accountKey(account), ServingStack.SERVED_FEATURES,
                            PROBE_FEATURE, true);
                } catch (IOException e) {
                    return "bad json";
                }
            }
        };
    }

    /**
     * {@code POST /v1/features} for {@code size} accounts drawn uniformly (repeats allowed), asking
     * either for {@code account_serving.*} ({@code service} null) or for a feature service.
     */
    Exchange batch(long seed, int size, String service, int expectedFeatures) {
        byte[] head = Bytes.ascii("POST /v1/features");
        byte[] contentHeaders = Bytes.ascii("Content-Type: application/json\r\nContent-Length: ");
        byte[] bodyStart = Bytes.ascii(service == null ? "{\"features\":[\"" + ServingStack.GROUP + ".*\"],\"entities\":["
                : "{\"service\":\"" + service + "\",\"entities\":[");
        byte[] entityStart = Bytes.ascii("{\"account_id\":\"");
        byte[] entityEnd = Bytes.ascii("\"}");
        byte[] comma = Bytes.ascii(",");
        byte[] bodyEnd = Bytes.ascii("]}");
        String probe = service == null ? PROBE_FEATURE : null;
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] accounts = new int[size];
        Bytes body = new Bytes(64 + size * 32);
        return new Exchange() {
            @Override
            public void nextRequest(Bytes out) {
                body.clear();
                body.append(bodyStart);
                for (int i = 0; i < size; i++) {
                    accounts[i] = rnd.nextInt(keys.length);
                    if (i > 0) {
                        body.append(comma);
                    }
                    body.append(entityStart).append(keys[accounts[i]]).append(entityEnd);
                }
                body.append(bodyEnd);
                out.append(head).append(HOST).append(auth).append(contentHeaders).append(body.n).append(CRLF).append(CRLF)
                        .append(body);
            }

            @Override
            public String check(int status, byte[] buf, int off, int len, boolean deep) {
                if (status != 200) {
                    return "status " + status;
                }
                if (!matches(buf, off, RESULTS_PREFIX) || !matches(buf, off + RESULTS_PREFIX.length, keys[accounts[0]])) {
                    return "first entity key not echoed";
                }
                if (buf[off + len - 1] != '}' || lastIndexOf(buf, Math.max(off, off + len - 200), off + len, METADATA) < 0) {
                    return "no metadata at the end";
                }
                if (!deep) {
                    return null;
                }
                try (JsonParser p = JSON.createParser(buf, off, len)) {
                    if (p.nextToken() != JsonToken.START_OBJECT || !"results".equals(p.nextFieldName())
                            || p.nextToken() != JsonToken.START_ARRAY) {
                        return "no results array";
                    }
                    int n = 0;
                    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                        if (n >= size) {
                            return "more results than entities";
                        }
                        String bad = entityResult(p, t, ServingStack.accountKey(accounts[n]), expectedFeatures, probe, false);
                        if (bad != null) {
                            return bad;
                        }
                        n++;
                    }
                    return n == size ? null : "fewer results than entities";
                } catch (IOException e) {
                    return "bad json";
                }
            }
        };
    }

    /** {@code GET /health}: the HTTP floor (routing, a tiny JSON answer), no feature read. */
    /**
     * {@code POST /v1/score/account_risk} for one account (N uniform): the examples' experiment
     * assigns it v1 (logistic) or v2 (trees), whose service's features are read and scored. Checked:
     * a probability, the model, and (deep) that the features used are the version's service's.
     */
    Exchange score(long seed) {
        byte[] head = Bytes.ascii("POST /v1/score/account_risk");
        byte[] contentHeaders = Bytes.ascii("Content-Type: application/json\r\nContent-Length: ");
        byte[] bodyStart = Bytes.ascii("{\"entity\":{\"account_id\":\"");
        byte[] bodyEnd = Bytes.ascii("\"}}");
        byte[] scorePrefix = Bytes.ascii("{\"score\":");
        byte[] model = Bytes.ascii("\"model\":\"account_risk\"");
        SplittableRandom rnd = new SplittableRandom(seed);
        Bytes body = new Bytes(96);
        return new Exchange() {
            @Override
            public void nextRequest(Bytes out) {
                body.clear();
                body.append(bodyStart).append(keys[rnd.nextInt(keys.length)]).append(bodyEnd);
                out.append(head).append(HOST).append(auth).append(contentHeaders).append(body.n).append(CRLF).append(CRLF)
                        .append(body);
            }

            @Override
            public String check(int status, byte[] buf, int off, int len, boolean deep) {
                if (status != 200) {
                    return "status " + status;
                }
                if (!matches(buf, off, scorePrefix) || lastIndexOf(buf, off, Math.min(off + len, off + 200), model) < 0) {
                    return "no score and model";
                }
                if (!deep) {
                    return null;
                }
                try (JsonParser p = JSON.createParser(buf, off, len)) {
                    p.nextToken();
                    p.nextToken();
                    p.nextToken();
                    double score = p.getDoubleValue();
                    return score >= 0 && score <= 1 ? null : "score " + score + " is not a probability";
                } catch (IOException e) {
                    return "bad json";
                }
            }
        };
    }

    Exchange health() {
        byte[] request = Bytes.ascii("GET /health");
        byte[] ok = Bytes.ascii("{\"status\":\"ok\"");
        return new Exchange() {
            @Override
            public void nextRequest(Bytes out) {
                out.append(request).append(HOST).append(CRLF);
            }

            @Override
            public String check(int status, byte[] buf, int off, int len, boolean deep) {
                return status != 200 ? "status " + status : matches(buf, off, ok) ? null : "not ok";
            }
        };
    }

    /**
     * Parses one entity answer starting at {@code first} (its START_OBJECT) through its END_OBJECT:
     * {@code entity.account_id}, the number of {@code features}, {@code found}; {@code metadata}
     * only when {@code withMetadata} (single reads carry it per answer, batches once at the end).
     */
    static String entityResult(JsonParser p, JsonToken first, String key, int expectedFeatures, String probe,
                               boolean withMetadata) throws IOException {
        if (first != JsonToken.START_OBJECT) {
            return "result is not an object";
        }
        boolean keyOk = false;
        int features = -1;
        boolean found = false;
        boolean metadata = false;
        long probeValue = probe == null ? 1 : -1;
        for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            switch (field) {
                case "entity" -> {
                    if (t != JsonToken.START_OBJECT || !"account_id".equals(p.nextFieldName()) || p.nextToken() != JsonToken.VALUE_STRING) {
                        return "bad entity";
                    }
                    keyOk = key.equals(p.getText());
                    if (p.nextToken() != JsonToken.END_OBJECT) {
                        return "entity has more than account_id";
                    }
                }
                case "features" -> {
                    if (t != JsonToken.START_OBJECT) {
                        return "features is not an object";
                    }
                    features = 0;
                    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                        JsonToken v = p.nextToken();
                        if (name.equals(probe) || name.endsWith("." + probe)) {
                            probeValue = v == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                        }
                        p.skipChildren();
                        features++;
                    }
                }
                case "found" -> found = t == JsonToken.VALUE_TRUE;
                case "metadata" -> {
                    metadata = true;
                    p.skipChildren();
                }
                default -> {
                    return "unexpected field " + field;
                }
            }
        }
        if (!keyOk) {
            return "wrong entity key";
        }
        if (features != expectedFeatures) {
            return "wrong number of features";
        }
        if (!found) {
            return "entity not found";
        }
        if (probeValue < 1) {
            return PROBE_FEATURE + " < 1";
        }
        return metadata == withMetadata ? null : withMetadata ? "no metadata" : "metadata inside a result";
    }

    static boolean matches(byte[] buf, int at, byte[] expected) {
        if (at + expected.length > buf.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (buf[at + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    static int lastIndexOf(byte[] buf, int from, int to, byte[] pattern) {
        for (int i = to - pattern.length; i >= from; i--) {
            if (matches(buf, i, pattern)) {
                return i;
            }
        }
        return -1;
    }
}
