package dev.tessera.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * A client of any server speaking the Confluent Schema Registry REST API (Confluent's, Karapace,
 * Apicurio's compatibility API, Tessera's embedded one). Wrap it in a {@link CachedSchemaRegistry}:
 * this class asks the server on every call.
 *
 * <p>Answers the server gives (404, 409, 422...) become {@link SchemaRegistryException}s with the
 * server's error code and message; no answer, or a 5xx, becomes a
 * {@link SchemaRegistryUnavailableException}.
 */
public final class HttpSchemaRegistry implements SchemaRegistry {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json,"
            + " application/json";

    private final String baseUrl;
    private final String authorization;
    private final HttpClient http;
    private final Duration timeout;

    /**
     * @param baseUrl       e.g. {@code http://localhost:8081} (a path prefix is kept)
     * @param authorization the {@code Authorization} header to send ({@code Bearer <token>}), or null
     */
    public HttpSchemaRegistry(String baseUrl, String authorization, Duration timeout) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.authorization = authorization;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public HttpSchemaRegistry(String baseUrl) {
        this(baseUrl, null, Duration.ofSeconds(10));
    }

    public String baseUrl() {
        return baseUrl;
    }

    @Override
    public RegisteredSchema byId(int id) {
        JsonNode n = call("GET", "/schemas/ids/" + id, null);
        return new RegisteredSchema(null, 0, id, parse(n.path("schema").asText()));
    }

    @Override
    public RegisteredSchema register(String subject, Schema schema) {
        call("POST", "/subjects/" + enc(subject) + "/versions", body(schema));
        return lookup(subject, schema).orElseThrow(() -> new SchemaRegistryUnavailableException("the registry at "
                + baseUrl + " registered a schema under '" + subject + "' but does not find it", null));
    }

    @Override
    public Optional<RegisteredSchema> lookup(String subject, Schema schema) {
        try {
            return Optional.of(full(call("POST", "/subjects/" + enc(subject), body(schema))));
        } catch (SchemaRegistryException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public RegisteredSchema version(String subject, int version) {
        return full(call("GET", "/subjects/" + enc(subject) + "/versions/" + (version == LATEST ? "latest" : version),
                null));
    }

    @Override
    public List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        call("GET", "/subjects/" + enc(subject) + "/versions", null).forEach(v -> out.add(v.asInt()));
        return out;
    }

    @Override
    public List<String> subjects() {
        List<String> out = new ArrayList<>();
        call("GET", "/subjects", null).forEach(v -> out.add(v.asText()));
        return out;
    }

    @Override
    public List<RegisteredSchema> usesOf(int id) {
        Schema schema = byId(id).schema();
        List<RegisteredSchema> out = new ArrayList<>();
        for (JsonNode n : call("GET", "/schemas/ids/" + id + "/versions", null)) {
            out.add(new RegisteredSchema(n.path("subject").asText(), n.path("version").asInt(), id, schema));
        }
        return out;
    }

    @Override
    public Compatibility compatibility(String subject) {
        return level(call("GET", "/config/" + enc(subject) + "?defaultToGlobal=true", null));
    }

    @Override
    public Optional<Compatibility> subjectCompatibility(String subject) {
        try {
            return Optional.of(level(call("GET", "/config/" + enc(subject), null)));
        } catch (SchemaRegistryException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public Compatibility globalCompatibility() {
        return level(call("GET", "/config", null));
    }

    @Override
    public void setCompatibility(String subject, Compatibility level) {
        call("PUT", subject == null ? "/config" : "/config/" + enc(subject),
                JSON.createObjectNode().put("compatibility", level.name()).toString());
    }

    @Override
    public List<String> test(String subject, int version, Schema schema) {
        JsonNode n = call("POST", "/compatibility/subjects/" + enc(subject) + "/versions/"
                + (version == LATEST ? "latest" : version) + "?verbose=true", body(schema));
        List<String> out = new ArrayList<>();
        if (!n.path("is_compatible").asBoolean(false)) {
            n.path("messages").forEach(m -> out.add(m.asText()));
            if (out.isEmpty()) {
                out.add("incompatible (the registry gave no reason)");
            }
        }
        return out;
    }

    private static Compatibility level(JsonNode n) {
        String name = n.has("compatibilityLevel") ? n.get("compatibilityLevel").asText()
                : n.path("compatibility").asText();
        return Compatibility.parse(name).orElseThrow(() -> new SchemaRegistryException(
                SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL, "the registry answered compatibility level '"
                + name + "', which Tessera does not know"));
    }

    private static RegisteredSchema full(JsonNode n) {
        return new RegisteredSchema(n.path("subject").asText(), n.path("version").asInt(), n.path("id").asInt(),
                parse(n.path("schema").asText()));
    }

    private static Schema parse(String text) {
        return LocalSchemaRegistry.parse(text);
    }

    private static String body(Schema schema) {
        return JSON.createObjectNode().put("schemaType", "AVRO").put("schema", schema.toString()).toString();
    }

    private static String enc(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode call(String method, String path, String body) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout)
                .header("Accept", ACCEPT);
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        if (body != null) {
            req.header("Content-Type", SchemaRegistryServer.CONTENT_TYPE);
        }
        req.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new SchemaRegistryUnavailableException("schema registry " + baseUrl + " did not answer " + method + " "
                    + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException("interrupted while asking schema registry " + baseUrl, e);
        }
        JsonNode n;
        try {
            n = JSON.readTree(resp.body());
        } catch (IOException e) {
            n = null;
        }
        int status = resp.statusCode();
        if (status >= 500 || n == null && status != 200) {
            throw new SchemaRegistryUnavailableException("schema registry " + baseUrl + " answered " + status + " to "
                    + method + " " + path + (n == null ? "" : ": " + n.path("message").asText()), null);
        }
        if (status >= 400) {
            int code = n.path("error_code").asInt(status);
            throw new SchemaRegistryException(code, "schema registry " + baseUrl + ": " + n.path("message")
                    .asText("HTTP " + status));
        }
        if (n == null) {
            throw new SchemaRegistryUnavailableException("schema registry " + baseUrl + " answered " + method + " " + path
                    + " with a body that is not JSON", null);
        }
        return n;
    }
}
