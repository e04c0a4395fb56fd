package dev.tessera.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link SchemaRegistry} over the Confluent Schema Registry REST API (the subset producers,
 * consumers and tools use), so standard Confluent serializers work against Tessera's embedded
 * registry:
 *
 * <pre>
 * GET  /subjects                                   GET  /schemas/ids/{id}
 * GET  /subjects/{s}/versions                      GET  /schemas/ids/{id}/schema
 * GET  /subjects/{s}/versions/{v|latest}           GET  /schemas/ids/{id}/versions
 * GET  /subjects/{s}/versions/{v|latest}/schema    GET  /schemas/types
 * POST /subjects/{s}/versions      (register)      GET|PUT /config, /config/{s}
 * POST /subjects/{s}               (look up)       POST /compatibility/subjects/{s}/versions/{v|latest}
 * </pre>
 * Answers are {@code application/vnd.schemaregistry.v1+json}; errors are
 * {@code {"error_code": 40401, "message": "..."}} with the code's HTTP status. Only Avro schemas
 * (no references); deleting is not offered, since the runtime relies on ids and versions staying.
 *
 * <p>A JDK {@code HttpServer} on two threads: registrations are rare and clients cache ids, so this
 * is not a hot path and needs no other HTTP stack (ADR 015).
 */
public final class SchemaRegistryServer implements AutoCloseable {
    /** Decides whether a request may go on, from its {@code Authorization} header (null when absent). */
    @FunctionalInterface
    public interface Authorizer {
        /** 0 to allow, 401 when the credentials are missing or wrong, 403 when they lack the scope. */
        int check(String authorization, boolean write);

        Authorizer ALLOW_ALL = (authorization, write) -> 0;
    }

    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final int MAX_BODY_BYTES = 1 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SchemaRegistry registry;
    private final Authorizer authorizer;
    private final HttpServer server;
    private final ExecutorService executor;

    private SchemaRegistryServer(SchemaRegistry registry, Authorizer authorizer, HttpServer server,
            ExecutorService executor) {
        this.registry = registry;
        this.authorizer = authorizer;
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving {@code registry} on {@code address} (port 0 picks a free port).
     *
     * @throws TesseraException when the address cannot be bound, naming it
     */
    public static SchemaRegistryServer start(SchemaRegistry registry, InetSocketAddress address,
            Authorizer authorizer) {
        HttpServer http;
        try {
            http = HttpServer.create(address, 64);
        } catch (IOException e) {
            throw new TesseraException("cannot serve the schema registry on " + address + ": " + e.getMessage()
                    + "; choose another port (--registry-port) or stop what uses it", e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "schema-registry-http");
            t.setDaemon(true);
            return t;
        });
        SchemaRegistryServer s = new SchemaRegistryServer(registry, authorizer, http, executor);
        http.createContext("/", s::handle);
        http.setExecutor(executor);
        http.start();
        return s;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The URL clients are given ({@code schema.registry.url}). */
    public String url() {
        String host = server.getAddress().getAddress().isAnyLocalAddress() ? "localhost"
                : server.getAddress().getHostString();
        return "http://" + host + ":" + port();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(MAX_BODY_BYTES + 1);
            }
            Response r = serve(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery(),
                    ex.getRequestHeaders().getFirst("Authorization"), body);
            if (r.status() == 401) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
            }
            ex.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            ex.sendResponseHeaders(r.status(), r.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(r.body());
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("schema registry client went away: {}", e.toString());
        }
    }

    /** An answer of the registry API: status and JSON body ({@link #CONTENT_TYPE}; a 401 also wants {@code WWW-Authenticate: Bearer}). */
    public record Response(int status, byte[] body) {}

    /**
     * One request of the registry API, from whatever serves it (this server, or the node's API under
     * {@code /registry}): {@code rawPath} relative to the registry's root ({@code /subjects}), the body as
     * read (more than {@value #MAX_BODY_BYTES} bytes is refused).
     */
    public Response serve(String method, String rawPath, String rawQuery, String authorization, byte[] body) {
        Request ex = new Request(method, rawPath, rawQuery, authorization, body);
        Answer answer;
        try {
            answer = route(ex);
        } catch (SchemaRegistryException e) {
            answer = error(e.httpStatus(), e.errorCode(), e.getMessage());
        } catch (BadRequest e) {
            answer = error(e.status, e.code, e.getMessage());
        } catch (IllegalArgumentException e) { // a malformed %-escape in the path or query
            answer = error(400, 400, "Bad request: " + e.getMessage());
        } catch (RuntimeException | IOException e) {
            LOG.error("schema registry request {} {} failed", method, rawPath, e);
            answer = error(500, 50001, "Error in the backend data store: " + e.getMessage());
        }
        try {
            return new Response(answer.status(), JSON.writeValueAsBytes(answer.body()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Request(String method, String rawPath, String rawQuery, String authorization, byte[] body) {}

    private record Answer(int status, Object body) {
    }

    private static final class BadRequest extends RuntimeException {
        final int status;
        final int code;

        BadRequest(int status, int code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    private static Answer error(int status, int code, String message) {
        return new Answer(status, JSON.createObjectNode().put("error_code", code).put("message", message));
    }

    private static Answer ok(Object body) {
        return new Answer(200, body);
    }

    private Answer route(Request ex) throws IOException {
        String method = ex.method();
        List<String> p = segments(ex.rawPath());
        Map<String, String> query = query(ex.rawQuery());
        boolean write = !method.equals("GET") && !method.equals("HEAD")
                && !(method.equals("POST") && !p.isEmpty() && (p.get(0).equals("compatibility") || p.size() == 2
                && p.get(0).equals("subjects")));
        int auth = authorizer.check(ex.authorization(), write);
        if (auth == 401) {
            return error(401, 40101, "Unauthorized: send Authorization: Bearer <token> with a token of scope "
                    + (write ? "write" : "read"));
        }
        if (auth != 0) {
            return error(403, 40301, "Forbidden: this token lacks the " + (write ? "write" : "read") + " scope");
        }
        if (p.isEmpty()) {
            return expect(method, "GET") ? ok(JSON.createObjectNode()) : notAllowed(method);
        }
        switch (p.get(0)) {
            case "subjects":
                return subjects(ex, method, p, query);
            case "schemas":
                return schemas(method, p);
            case "config":
                return config(ex, method, p, query);
            case "compatibility":
                if (p.size() == 5 && p.get(1).equals("subjects") && p.get(3).equals("versions")) {
                    if (!expect(method, "POST")) {
                        return notAllowed(method);
                    }
                    Schema schema = schemaOf(body(ex));
                    List<String> problems = registry.test(p.get(2), version(p.get(4)), schema);
                    ObjectNode out = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
                    ArrayNode messages = out.putArray("messages");
                    problems.forEach(messages::add);
                    return ok(out);
                }
                break;
            default:
                break;
        }
        return notFound(ex);
    }

    private Answer subjects(Request ex, String method, List<String> p, Map<String, String> query)
            throws IOException {
        if (p.size() == 1) {
            return expect(method, "GET") ? ok(registry.subjects()) : notAllowed(method);
        }
        String subject = p.get(1);
        if (p.size() == 2) {
            if (method.equals("DELETE")) {
                return unsupportedDelete();
            }
            if (!expect(method, "POST")) {
                return notAllowed(method);
            }
            Schema schema = schemaOf(body(ex));
            registry.versions(subject); // 40401 for an unknown subject, as Confluent answers
            Optional<RegisteredSchema> found = registry.lookup(subject, schema);
            return ok(full(found.orElseThrow(() -> new SchemaRegistryException(
                    SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found under subject '" + subject + "'"))));
        }
        if (!p.get(2).equals("versions")) {
            return notFound(ex);
        }
        if (p.size() == 3) {
            if (method.equals("GET")) {
                return ok(registry.versions(subject));
            }
            if (!expect(method, "POST")) {
                return notAllowed(method);
            }
            RegisteredSchema r = registry.register(subject, schemaOf(body(ex)));
            return ok(JSON.createObjectNode().put("id", r.id()));
        }
        if (method.equals("DELETE")) {
            return unsupportedDelete();
        }
        if (!expect(method, "GET")) {
            return notAllowed(method);
        }
        RegisteredSchema r = registry.version(subject, version(p.get(3)));
        if (p.size() == 4) {
            return ok(full(r));
        }
        if (p.size() == 5 && p.get(4).equals("schema")) {
            return ok(JSON.readTree(r.schema().toString()));
        }
        return notFound(ex);
    }

    private Answer schemas(String method, List<String> p) throws IOException {
        if (!expect(method, "GET")) {
            return notAllowed(method);
        }
        if (p.size() == 2 && p.get(1).equals("types")) {
            return ok(List.of("AVRO"));
        }
        if (p.size() >= 3 && p.size() <= 4 && p.get(1).equals("ids")) {
            int id;
            try {
                id = Integer.parseInt(p.get(2));
            } catch (NumberFormatException e) {
                throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + p.get(2)
                        + " not found: ids are whole numbers");
            }
            RegisteredSchema r = registry.byId(id);
            if (p.size() == 3) {
                return ok(JSON.createObjectNode().put("schema", r.schema().toString()));
            }
            if (p.get(3).equals("schema")) {
                return ok(JSON.readTree(r.schema().toString()));
            }
            if (p.get(3).equals("versions")) {
                ArrayNode out = JSON.createArrayNode();
                for (RegisteredSchema use : registry.usesOf(id)) {
                    out.addObject().put("subject", use.subject()).put("version", use.version());
                }
                return ok(out);
            }
        }
        throw new BadRequest(404, 404, "HTTP 404 Not Found: no such resource under /schemas");
    }

    private Answer config(Request ex, String method, List<String> p, Map<String, String> query)
            throws IOException {
        if (p.size() > 2) {
            return notFound(ex);
        }
        String subject = p.size() == 2 ? p.get(1) : null;
        if (method.equals("GET")) {
            Compatibility level;
            if (subject == null) {
                level = registry.globalCompatibility();
            } else if ("true".equals(query.get("defaultToGlobal"))) {
                level = registry.compatibility(subject);
            } else {
                level = registry.subjectCompatibility(subject).orElseThrow(() -> new SchemaRegistryException(
                        SchemaRegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED, "Subject '" + subject
                        + "' does not have subject-level compatibility configured"));
            }
            return ok(JSON.createObjectNode().put("compatibilityLevel", level.name()));
        }
        if (!expect(method, "PUT")) {
            return notAllowed(method);
        }
        JsonNode body = body(ex);
        String name = body.path("compatibility").asText(null);
        Compatibility level = Compatibility.parse(name).orElseThrow(() -> new SchemaRegistryException(
                SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL, "Invalid compatibility level '" + name
                + "'. Valid values are: " + Compatibility.names()));
        registry.setCompatibility(subject, level);
        return ok(JSON.createObjectNode().put("compatibility", level.name()));
    }

    private static ObjectNode full(RegisteredSchema r) {
        return JSON.createObjectNode().put("subject", r.subject()).put("version", r.version()).put("id", r.id())
                .put("schema", r.schema().toString());
    }

    private static int version(String text) {
        if (text.equals("latest") || text.equals("-1")) {
            return SchemaRegistry.LATEST;
        }
        try {
            int v = Integer.parseInt(text);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new SchemaRegistryException(SchemaRegistryException.INVALID_VERSION, "The specified version '" + text
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    private static Schema schemaOf(JsonNode body) {
        String type = body.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: schemaType "
                    + type + " is not supported; this registry holds AVRO schemas");
        }
        JsonNode refs = body.get("references");
        if (refs != null && refs.isArray() && !refs.isEmpty()) {
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: schema"
                    + " references are not supported; inline the referenced types");
        }
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: the body"
                    + " needs \"schema\": the Avro schema as a JSON string");
        }
        return LocalSchemaRegistry.parse(schema.asText());
    }

    private static JsonNode body(Request ex) throws IOException {
        byte[] bytes = ex.body();
        if (bytes.length > MAX_BODY_BYTES) {
            throw new BadRequest(413, 41301, "Request body is over " + MAX_BODY_BYTES + " bytes");
        }
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new BadRequest(422, 42201, "The request body must be a JSON object, e.g. {\"schema\": \"...\"}");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadRequest(400, 400, "Unrecognized request body: not JSON (" + e.getOriginalMessage() + ")");
        }
    }

    private static boolean expect(String method, String allowed) {
        return method.equals(allowed);
    }

    private static Answer notAllowed(String method) {
        return error(405, 405, "HTTP 405 Method " + method + " Not Allowed here");
    }

    private static Answer unsupportedDelete() {
        return error(405, SchemaRegistryException.UNSUPPORTED, "Deleting subjects or versions is not supported by"
                + " Tessera's embedded registry: records in Kafka keep referring to their schema ids");
    }

    private static Answer notFound(Request ex) {
        return error(404, 404, "HTTP 404 Not Found: " + ex.rawPath());
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

}
