package dev.tessera.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The REST API as a client without Tessera's code sees it: shapes, status codes, error bodies, tokens. */
class SchemaRegistryServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private SchemaRegistryServer server;

    @BeforeEach
    void start() {
        LocalSchemaRegistry registry = LocalSchemaRegistry.inMemory();
        registry.register("commerce.payments-value", Schemas.V1);
        // tokens: "r" reads, "w" reads and writes
        server = SchemaRegistryServer.start(registry, new InetSocketAddress("127.0.0.1", 0), (auth, write) ->
                auth == null ? 401 : auth.equals("Bearer w") ? 0 : auth.equals("Bearer r") ? (write ? 403 : 0) : 401);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String schemaBody(String schemaJson) throws Exception {
        return JSON.createObjectNode().put("schema", schemaJson).toString();
    }

    @Test
    void answersTheShapesConfluentClientsRead() throws Exception {
        HttpResponse<String> latest = call("GET", "/subjects/commerce.payments-value/versions/latest", null, "r");
        assertThat(latest.statusCode()).isEqualTo(200);
        assertThat(latest.headers().firstValue("Content-Type")).contains("application/vnd.schemaregistry.v1+json");
        JsonNode v = JSON.readTree(latest.body());
        assertThat(v.get("subject").asText()).isEqualTo("commerce.payments-value");
        assertThat(v.get("version").asInt()).isEqualTo(1);
        assertThat(new org.apache.avro.Schema.Parser().parse(v.get("schema").asText())).isEqualTo(Schemas.V1);
        int id = v.get("id").asInt();

        assertThat(JSON.readTree(call("GET", "/schemas/ids/" + id, null, "r").body()).get("schema").asText())
                .isEqualTo(Schemas.V1.toString());
        assertThat(JSON.readTree(call("GET", "/subjects", null, "r").body()).get(0).asText())
                .isEqualTo("commerce.payments-value");
        assertThat(JSON.readTree(call("GET", "/schemas/ids/" + id + "/versions", null, "r").body()).get(0)
                .get("version").asInt()).isEqualTo(1);

        HttpResponse<String> registered = call("POST", "/subjects/commerce.payments-value/versions",
                schemaBody(Schemas.V2_ADDED_WITH_DEFAULT.toString()), "w");
        assertThat(registered.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(registered.body()).get("id").asInt()).isNotEqualTo(id);

        JsonNode check = JSON.readTree(call("POST", "/compatibility/subjects/commerce.payments-value/versions/latest",
                schemaBody(Schemas.AMOUNT_AS_STRING.toString()), "r").body());
        assertThat(check.get("is_compatible").asBoolean()).isFalse();
        assertThat(check.get("messages").get(0).asText()).contains("field 'amount'");

        assertThat(JSON.readTree(call("PUT", "/config/commerce.payments-value", "{\"compatibility\": \"FULL\"}", "w")
                .body()).get("compatibility").asText()).isEqualTo("FULL");
        assertThat(JSON.readTree(call("GET", "/config/commerce.payments-value", null, "r").body())
                .get("compatibilityLevel").asText()).isEqualTo("FULL");
    }

    @ParameterizedTest(name = "{0} {1} -> {3}/{4}")
    @CsvSource(delimiter = '|', value = {
        "GET    | /subjects/nope-value/versions                          |                                  | 404 | 40401",
        "GET    | /subjects/commerce.payments-value/versions/9           |                                  | 404 | 40402",
        "GET    | /subjects/commerce.payments-value/versions/zero        |                                  | 422 | 42202",
        "GET    | /schemas/ids/4242                                      |                                  | 404 | 40403",
        "GET    | /config/commerce.payments-value                        |                                  | 404 | 40408",
        "POST   | /subjects/commerce.payments-value/versions             | {not json                        | 400 | 400",
        "POST   | /subjects/commerce.payments-value/versions             | {\"schema\": \"{\\\"type\\\": \\\"recrd\\\"}\"} | 422 | 42201",
        "POST   | /subjects/commerce.payments-value/versions             | {\"schema\": \"\\\"string\\\"\", \"schemaType\": \"PROTOBUF\"} | 422 | 42201",
        "POST   | /subjects/commerce.payments-value/versions             | []                               | 422 | 42201",
        "PUT    | /config                                                | {\"compatibility\": \"SIDEWAYS\"} | 422 | 42203",
        "DELETE | /subjects/commerce.payments-value                      |                                  | 405 | 40501",
        "PATCH  | /subjects                                              |                                  | 405 | 405",
        "GET    | /nothing/here                                          |                                  | 404 | 404",
    })
    void refusalsCarryTheirCodeAndAMessage(String method, String path, String body, int status, int code)
            throws Exception {
        HttpResponse<String> r = call(method, path, body, "w");

        assertThat(r.statusCode()).isEqualTo(status);
        JsonNode error = JSON.readTree(r.body());
        assertThat(error.get("error_code").asInt()).isEqualTo(code);
        assertThat(error.get("message").asText()).isNotBlank();
    }

    @Test
    void anIncompatibleRegistrationIs409NamingTheField() throws Exception {
        HttpResponse<String> r = call("POST", "/subjects/commerce.payments-value/versions",
                schemaBody(Schemas.ADDED_WITHOUT_DEFAULT.toString()), "w");

        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(r.body()).get("message").asText()).contains("field 'channel'").contains("default");
    }

    @Test
    void anOversizedBodyIs413() throws Exception {
        String big = "{\"schema\": \"" + "x".repeat(SchemaRegistryServer.MAX_BODY_BYTES) + "\"}";

        assertThat(call("POST", "/subjects/s/versions", big, "w").statusCode()).isEqualTo(413);
    }

    @Test
    void tokensAreCheckedAndReadScopeCannotWrite() throws Exception {
        String v2 = schemaBody(Schemas.V2_ADDED_WITH_DEFAULT.toString());

        assertThat(call("GET", "/subjects", null, null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/subjects", null, "bogus").statusCode()).isEqualTo(401);
        assertThat(call("GET", "/subjects", null, "r").statusCode()).isEqualTo(200);
        assertThat(call("POST", "/subjects/commerce.payments-value", schemaBody(Schemas.V1.toString()), "r")
                .statusCode()).as("a lookup is a read").isEqualTo(200);
        assertThat(call("POST", "/subjects/commerce.payments-value/versions", v2, "r").statusCode()).isEqualTo(403);
        assertThat(call("PUT", "/config", "{\"compatibility\": \"NONE\"}", "r").statusCode()).isEqualTo(403);
        assertThat(call("POST", "/subjects/commerce.payments-value/versions", v2, "w").statusCode()).isEqualTo(200);
    }
}
