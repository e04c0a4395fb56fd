package dev.tessera.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The cache passes the contract, and answers ids it has seen when the registry is gone. */
class CachedSchemaRegistryTest extends AbstractSchemaRegistryContractTest {
    private SchemaRegistryServer server;

    @Override
    protected SchemaRegistry create() {
        server = SchemaRegistryServer.start(LocalSchemaRegistry.inMemory(), new InetSocketAddress("127.0.0.1", 0),
                SchemaRegistryServer.Authorizer.ALLOW_ALL);
        return new CachedSchemaRegistry(new HttpSchemaRegistry(server.url()));
    }

    @Override
    protected void release() {
        server.close();
    }

    @Test
    void idsSeenOnceAreAnsweredWithoutTheServer() {
        int id = registry.register("payments-value", Schemas.V1).id();
        int other = new HttpSchemaRegistry(server.url()).register("refunds-value", Schemas.REMOVED_COUNTRY).id();
        server.close();

        assertThat(registry.byId(id).schema()).isEqualTo(Schemas.V1);
        assertThatThrownBy(() -> registry.byId(other)).isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("did not answer");
    }
}
