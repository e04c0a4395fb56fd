package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.flink.FlinkJob;
import dev.tessera.flink.FlinkJobOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tessera flink --local}: the Flink job (issue [Scale-out]) on an in-process MiniCluster,
 * with the same options as the job jar {@code flink/target/tessera-flink-job.jar} takes on a
 * cluster ({@link FlinkJobOptions}). Resumes from the newest checkpoint in {@code --checkpoint-dir}.
 */
@Command(name = "flink", mixinStandardHelpOptions = true,
        description = {"Run the Flink job on this machine (--local, an in-process Flink MiniCluster): Kafka in, tiles to Redis.",
            "On a Flink cluster, submit flink/target/tessera-flink-job.jar with `flink run` and the same options"
                    + " (deploy/README.md)."})
final class FlinkCommand implements Callable<Integer> {
    @Mixin
    FlinkJobOptions job;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!job.local) {
            err.println("tessera flink runs the job on this machine only: pass --local. On a Flink cluster, submit the job jar"
                    + " instead: flink run flink/target/tessera-flink-job.jar --features DIR --bootstrap-servers ... --redis ..."
                    + " (see deploy/README.md)");
            return 2;
        }
        Definitions defs = CommonOptions.definitions(job.features, err);
        if (defs == null) {
            return 1;
        }
        try {
            job.validate();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        out.println("Flink job on a local MiniCluster: " + defs.groups().size() + " feature groups from "
                + job.bootstrapServers + " to Redis " + String.join(",", job.redis) + " (keys under '" + job.redisNamespace
                + "'), flushed every " + job.flushInterval + ", checkpoints every " + job.checkpointInterval + " in "
                + (job.checkpointDir == null ? "tessera-data/flink-checkpoints" : job.checkpointDir) + (job.bounded ? "" : "; Ctrl-C to stop"));
        out.flush();
        try {
            FlinkJob.run(job);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        return 0;
    }
}
