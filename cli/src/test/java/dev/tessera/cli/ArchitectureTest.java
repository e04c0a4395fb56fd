package dev.tessera.cli;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of STYLE.md, checked on the compiled classes of every module on this classpath:
 * {@code api <- core <- store <- runtime/flink/offline <- serving <- cli}, and the synthetic world
 * beside it ({@code api <- generator <- serving/cli}: it knows definitions, never the engine), and the models
 * ({@code api <- inference <- offline/serving/cli}: definitions and Jackson, nothing of the engine). Module
 * dependencies already stop most wrong-way imports; this catches the rest (and the engine-freedom of
 * core).
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.tessera");
    }

    @Test
    void layersPointOneWay() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("api").definedBy("dev.tessera.api..")
                .layer("core").definedBy("dev.tessera.core..")
                .layer("store").definedBy("dev.tessera.store..")
                .layer("engines").definedBy("dev.tessera.runtime..", "dev.tessera.flink..", "dev.tessera.offline..")
                .layer("serving").definedBy("dev.tessera.serving..")
                .layer("generator").definedBy("dev.tessera.generator..")
                .layer("inference").definedBy("dev.tessera.inference..")
                .layer("cli").definedBy("dev.tessera.cli..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("serving").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("generator").mayOnlyBeAccessedByLayers("serving", "cli")
                .whereLayer("inference").mayOnlyBeAccessedByLayers("engines", "serving", "cli")
                .whereLayer("engines").mayOnlyBeAccessedByLayers("serving", "cli")
                .whereLayer("store").mayOnlyBeAccessedByLayers("engines", "serving", "cli")
                .whereLayer("core").mayOnlyBeAccessedByLayers("store", "engines", "serving", "cli")
                .withOptionalLayers(true)
                .check(classes);
    }

    @Test
    void coreIsEngineFree() {
        noClasses().that().resideInAnyPackage("dev.tessera.api..", "dev.tessera.core..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.apache.kafka..", "org.apache.flink..", "org.rocksdb..", "io.lettuce..",
                        "redis.clients..", "io.netty..", "io.vertx..", "org.apache.parquet..", "org.apache.hadoop..",
                        "picocli..", "com.fasterxml.jackson..")
                .check(classes);
    }

    /** Scoring stays light: no engine, no native ML library (XGBoost4J trains offline; the registry evaluates in Java). */
    @Test
    void inferenceKnowsDefinitionsOnly() {
        noClasses().that().resideInAPackage("dev.tessera.inference..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.tessera.core..", "dev.tessera.store..",
                        "dev.tessera.runtime..", "dev.tessera.offline..", "ml.dmlc..", "org.apache.kafka..", "org.apache.flink..",
                        "org.rocksdb..", "io.netty..", "org.apache.parquet..", "org.apache.hadoop..", "picocli..")
                .check(classes);
    }

    @Test
    void apiHoldsDefinitionsOnly() {
        noClasses().that().resideInAPackage("dev.tessera.api..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.datasketches..")
                .check(classes);
    }
}
