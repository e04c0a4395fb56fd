package dev.tessera.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SchemaRegistry} does, as the Confluent REST API defines it; extended by the
 * embedded registry, by the HTTP client talking to the embedded server, and by the cache around it.
 */
abstract class AbstractSchemaRegistryContractTest {
    protected SchemaRegistry registry;

    /** A fresh, empty registry. */
    protected abstract SchemaRegistry create() throws Exception;

    protected void release() throws Exception {
    }

    @BeforeEach
    void setUp() throws Exception {
        registry = create();
    }

    @AfterEach
    void tearDown() throws Exception {
        release();
    }

    @Test
    void versionsCountFromOneAndIdsAreGlobal() {
        RegisteredSchema v1 = registry.register("payments-value", Schemas.V1);
        RegisteredSchema v2 = registry.register("payments-value", Schemas.V2_ADDED_WITH_DEFAULT);
        RegisteredSchema other = registry.register("refunds-value", Schemas.V1);

        assertThat(v1.version()).isEqualTo(1);
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.id()).isNotEqualTo(v1.id());
        assertThat(other.version()).isEqualTo(1);
        assertThat(other.id()).as("the same schema under another subject keeps its id").isEqualTo(v1.id());
        assertThat(registry.byId(v2.id()).schema()).isEqualTo(Schemas.V2_ADDED_WITH_DEFAULT);
        assertThat(registry.subjects()).containsExactlyInAnyOrder("payments-value", "refunds-value");
        assertThat(registry.versions("payments-value")).containsExactly(1, 2);
        assertThat(registry.version("payments-value", SchemaRegistry.LATEST)).isEqualTo(v2);
        assertThat(registry.version("payments-value", 1)).isEqualTo(v1);
        assertThat(registry.usesOf(v1.id())).extracting(RegisteredSchema::subject)
                .containsExactlyInAnyOrder("payments-value", "refunds-value");
    }

    @Test
    void registeringTheSameSchemaAgainReturnsItsVersion() {
        RegisteredSchema first = registry.register("payments-value", Schemas.V1);
        registry.register("payments-value", Schemas.V2_ADDED_WITH_DEFAULT);

        assertThat(registry.register("payments-value", Schemas.V1)).isEqualTo(first);
        assertThat(registry.versions("payments-value")).containsExactly(1, 2);
        assertThat(registry.lookup("payments-value", Schemas.V1)).contains(first);
        assertThat(registry.lookup("payments-value", Schemas.REMOVED_COUNTRY)).isEmpty();
    }

    @Test
    void anIncompatibleSchemaIsRefusedNamingTheField() {
        registry.register("payments-value", Schemas.V1);

        assertThatThrownBy(() -> registry.register("payments-value", Schemas.ADDED_WITHOUT_DEFAULT))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE);
                    assertThat(e.getMessage()).contains("BACKWARD").contains("field 'channel'");
                });
        assertThat(registry.versions("payments-value")).containsExactly(1);
        assertThat(registry.test("payments-value", SchemaRegistry.LATEST, Schemas.ADDED_WITHOUT_DEFAULT))
                .singleElement().asString().contains("field 'channel'");
        assertThat(registry.test("payments-value", 1, Schemas.V2_ADDED_WITH_DEFAULT)).isEmpty();
    }

    @Test
    void levelsAreGlobalOrPerSubject() {
        assertThat(registry.globalCompatibility()).isEqualTo(Compatibility.BACKWARD);
        registry.register("payments-value", Schemas.V1);
        registry.setCompatibility("payments-value", Compatibility.FORWARD);

        assertThat(registry.subjectCompatibility("payments-value")).contains(Compatibility.FORWARD);
        assertThat(registry.subjectCompatibility("refunds-value")).isEmpty();
        assertThat(registry.compatibility("refunds-value")).isEqualTo(Compatibility.BACKWARD);
        // FORWARD: v1 readers must read the new records; a field added without default is fine for them
        assertThat(registry.register("payments-value", Schemas.ADDED_WITHOUT_DEFAULT).version()).isEqualTo(2);
        assertThatThrownBy(() -> registry.register("payments-value", Schemas.REMOVED_COUNTRY))
                .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("field 'country'");

        registry.setCompatibility(null, Compatibility.NONE);
        assertThat(registry.register("refunds-value", Schemas.V1).version()).isEqualTo(1);
        assertThat(registry.register("refunds-value", Schemas.AMOUNT_AS_STRING).version()).isEqualTo(2);
    }

    @Test
    void unknownNamesAreNotFoundWithTheirCodes() {
        registry.register("payments-value", Schemas.V1);

        assertThatThrownBy(() -> registry.byId(999)).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
        assertThatThrownBy(() -> registry.versions("nope-value")).isInstanceOfSatisfying(
                SchemaRegistryException.class, e -> assertThat(e.errorCode())
                        .isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND));
        assertThatThrownBy(() -> registry.version("payments-value", 7)).isInstanceOfSatisfying(
                SchemaRegistryException.class, e -> assertThat(e.errorCode())
                        .isEqualTo(SchemaRegistryException.VERSION_NOT_FOUND));
    }
}
