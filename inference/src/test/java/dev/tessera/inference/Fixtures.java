package dev.tessera.inference;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Test resources: the definitions every registry here is checked against, and registry folders. */
final class Fixtures {
    private Fixtures() {
    }

    static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("no test resource " + name, e);
        }
    }

    static Definitions definitions() {
        return DefinitionLoader.load(resource("definitions"));
    }

    static Path registry(String name) {
        return resource("registry/" + name);
    }
}
