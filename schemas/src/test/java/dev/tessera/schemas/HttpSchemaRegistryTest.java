package dev.tessera.schemas;

import java.net.InetSocketAddress;

/** The HTTP client against the embedded server: the REST API round-trips every contract point. */
class HttpSchemaRegistryTest extends AbstractSchemaRegistryContractTest {
    private SchemaRegistryServer server;

    @Override
    protected SchemaRegistry create() {
        server = SchemaRegistryServer.start(LocalSchemaRegistry.inMemory(), new InetSocketAddress("127.0.0.1", 0),
                SchemaRegistryServer.Authorizer.ALLOW_ALL);
        return new HttpSchemaRegistry(server.url());
    }

    @Override
    protected void release() {
        server.close();
    }
}
