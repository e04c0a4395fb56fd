package dev.tessera.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark's HTTP server in a child JVM (see {@link ServingLatencyBench}, "Two processes"): this
 * classpath, the given JVM options plus a GC log, under {@code nice -n N} and optionally
 * {@code taskset -c CPUS}; its output goes to this process's. The child is told a port file with
 * {@code portFileOption FILE}; it writes its port there (atomically: {@link #writePort}) once it
 * serves, and serves until its standard input ends, which {@link #close} causes.
 */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final Path portFile;
    private final Path gcLog;

    private ServerProcess(Process process, Path portFile, Path gcLog) {
        this.process = process;
        this.portFile = portFile;
        this.gcLog = gcLog;
    }

    /** Starts {@code main} with {@code jvmOptions}, {@code portFileOption FILE} and {@code args}. */
    static ServerProcess start(Class<?> main, String portFileOption, String jvmOptions, String cpus, int nice, List<String> args)
            throws IOException {
        Path dir = Files.createTempDirectory("tessera-servebench-port");
        Path portFile = dir.resolve("port");
        Path gcLog = dir.resolve("server-gc.log");
        List<String> cmd = new ArrayList<>();
        if (nice != 0) {
            cmd.addAll(List.of("nice", "-n", Integer.toString(nice)));
        }
        if (cpus != null) {
            cmd.addAll(List.of("taskset", "-c", cpus));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(jvmOptions.trim().split("\\s+")));
        cmd.add("-Xlog:gc:file=" + gcLog + ":timemillis");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName(), portFileOption, portFile.toString()));
        cmd.addAll(args);
        System.out.printf("server process: %s%n", String.join(" ", cmd).replace(System.getProperty("java.class.path"), "<classpath>"));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new ServerProcess(p, portFile, gcLog);
    }

    /** The child's side: writes {@code port} to {@code portFile} so that the parent never reads half a number. */
    static void writePort(Path portFile, int port) throws IOException {
        Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(port));
        Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Waits until the child serves; its port. */
    int awaitPort() throws Exception {
        while (!Files.exists(portFile)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the server process exited with status " + process.exitValue() + " before serving");
            }
            Thread.sleep(100);
        }
        return Integer.parseInt(Files.readString(portFile).trim());
    }

    /** The child's GC log ({@code -Xlog:gc:file=...:timemillis}), for {@link GcPauses#watch(Path)}. */
    Path gcLog() {
        return gcLog;
    }

    /** The child's CPU time so far (all its threads, user + system; {@code nice} and {@code taskset} exec it: same process). */
    long cpuMillis() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toMillis).orElse(0L);
    }

    /** Closes the child's standard input (its signal to stop), waits up to 60 s, and deletes the port file and GC log. */
    @Override
    public void close() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroy();
        }
        Files.deleteIfExists(portFile);
        Files.deleteIfExists(gcLog);
        Files.deleteIfExists(portFile.getParent());
    }
}
