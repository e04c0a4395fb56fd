package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.regex.Pattern;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven through its chromedriver: the real browser the console's tests
 * use (STYLE.md, Tests 5). Never skipped: without Chromium the test fails and says how to get it.
 *
 * <p>{@link #until} waits for a condition (no timed assertion: the timeout only stops a hang);
 * {@link #screenshot} writes the whole page as PNG to {@code target/console-screenshots/}; and
 * {@link #assertNoScriptErrors} fails on anything the page logged as an error except failed loads with
 * the statuses a test provokes on purpose (401 before a token, 404 of endpoints this server lacks).
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target/console-screenshots");
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Pattern EXPECTED_LOAD_FAILURE =
            Pattern.compile(".*Failed to load resource: the server responded with a status of (401|404) .*");

    final ChromeDriver driver;

    private HeadlessChromium(ChromeDriver driver) {
        this.driver = driver;
    }

    static HeadlessChromium start() {
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                throw new AssertionError(p + " is missing: the console's browser tests need Debian's chromium and"
                        + " chromium-driver packages; .ci/run installs them (apt-get install -y chromium chromium-driver)");
            }
        }
        try (var old = Files.isDirectory(SCREENSHOTS) ? Files.list(SCREENSHOTS) : java.util.stream.Stream.<Path>empty()) {
            for (Path p : old.toList()) { // a run's screenshots are that run's only
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new HeadlessChromium(new ChromeDriver(service, options));
    }

    /**
     * Waits until {@code condition} gives a non-null, non-false value, and returns it. On a timeout the
     * page is saved as {@code failed-<what>.png} next to the step screenshots.
     */
    <T> T until(String what, Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(driver, PATIENCE).withMessage(what)
                    .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .ignoring(org.openqa.selenium.NoSuchElementException.class)
                    .until(condition);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + "; the page is in "
                    + screenshot("failed-" + what.replaceAll("[^A-Za-z0-9]+", "-")) + "\n" + driver.findElement(
                    org.openqa.selenium.By.tagName("main")).getText(), e);
        }
    }

    /** The whole page (not only the window) as {@code target/console-screenshots/<step>.png}. */
    Path screenshot(String step) {
        @SuppressWarnings("unchecked")
        Map<String, Object> size = (Map<String, Object>) driver.executeCdpCommand("Page.getLayoutMetrics", Map.of()).get("cssContentSize");
        Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", ((Number) size.get("width")).doubleValue(),
                "height", ((Number) size.get("height")).doubleValue(), "scale", 1);
        String png = (String) driver.executeCdpCommand("Page.captureScreenshot",
                Map.of("format", "png", "captureBeyondViewport", true, "clip", clip)).get("data");
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(step + ".png");
            Files.write(file, Base64.getDecoder().decode(png));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails on any error the page logged since the last call, except the expected failed loads (see the class comment). */
    void assertNoScriptErrors() {
        List<String> errors = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .filter(m -> !EXPECTED_LOAD_FAILURE.matcher(m).matches())
                .toList();
        assertThat(errors).as("errors the console logged in the browser").isEmpty();
    }

    @Override
    public void close() {
        driver.quit();
    }
}
