package dev.tessera.store;

import dev.tessera.core.io.Folders;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * A real {@code redis-server} for tests, started on a free port of 127.0.0.1 with no persistence
 * (unless asked), and killed by {@link #close}. Tests use the real server, never a fake: when
 * {@code redis-server} is missing they fail with what to install ({@code .ci/run} installs it).
 */
public final class RedisServerProcess implements AutoCloseable {
    private Process process;
    private final int port;
    private final Path dir;
    private final List<String> command;

    private RedisServerProcess(Process process, int port, Path dir, List<String> command) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.command = List.copyOf(command);
    }

    /** Starts a server without persistence. */
    public static RedisServerProcess start() {
        return start(List.of("--save", "", "--appendonly", "no"));
    }

    /** Starts a server with these extra arguments (e.g. {@code --appendonly yes}); its files go to a temp dir. */
    public static RedisServerProcess start(List<String> extra) {
        return start(port -> extra);
    }

    /** Starts a server with extra arguments that may depend on its port (a cluster node's {@code nodes-<port>.conf}). */
    public static RedisServerProcess start(IntFunction<List<String>> extraForPort) {
        String binary = binary();
        try {
            Path dir = Files.createTempDirectory("tessera-redis");
            for (int attempt = 0; ; attempt++) {
                int port = freePort();
                List<String> cmd = new ArrayList<>(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--dir", dir.toString(), "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning"));
                cmd.addAll(extraForPort.apply(port));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("redis.log").toFile()).start();
                RedisServerProcess server = new RedisServerProcess(p, port, dir, cmd);
                if (server.awaitPing(TimeUnit.SECONDS.toNanos(20))) {
                    return server;
                }
                server.close();
                if (attempt == 2) {
                    throw new IllegalStateException("redis-server did not answer PING on port " + port + "; its log: "
                            + Files.readString(dir.resolve("redis.log")));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server: " + e, e);
        }
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /**
     * Starts the server again after {@link #kill}, on the same port and folder with the same
     * arguments (with {@code --appendonly yes} it comes back with its data), as Redis returning
     * after an outage would.
     */
    public void restart() {
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
            if (!awaitPing(TimeUnit.SECONDS.toNanos(20))) {
                throw new IllegalStateException("redis-server did not come back on port " + port + "; its log: "
                        + Files.readString(dir.resolve("redis.log")));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot restart redis-server: " + e, e);
        }
    }

    /** Stops the server abruptly (SIGKILL), as a crash or an outage would. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
        Folders.deleteTreeQuietly(dir); // a temp dir left behind is harmless
    }

    private boolean awaitPing(long timeoutNanos) {
        long end = System.nanoTime() + timeoutNanos;
        while (System.nanoTime() < end && process.isAlive()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                OutputStream out = s.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[7];
                int n = in.readNBytes(buf, 0, 7);
                if (n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** The server's log so far (for failure messages). */
    String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static String binary() {
        return binary("redis-server");
    }

    /** The path of a Redis program ({@code redis-server}, {@code redis-cli}), or an error naming what to install. */
    static String binary(String name) {
        for (String candidate : new String[] {"/usr/bin/" + name, "/usr/local/bin/" + name, "/usr/sbin/" + name}) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (Files.isExecutable(Path.of(d, name))) {
                    return Path.of(d, name).toString();
                }
            }
        }
        throw new IllegalStateException(name + " is not installed: the Redis tests run against a real server."
                + " Install it with 'apt-get install -y redis-server' (.ci/run does this when it is missing)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
