package dev.rampart.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The shop, started twice with {@code -javaagent:rampart-agent.jar} in JVMs of its own
 * (report mode and block mode), driven over HTTP on 127.0.0.1. Every attack is sent to
 * both: in report mode it goes through and an event says so; in block mode the sink never
 * runs and the client gets the policy's block page. Normal requests answer the same with
 * or without rampart. The only outgoing connections go to a loopback server standing in
 * for an internal service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShopAgentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Path tmp;
    private HttpServer internal;
    private Shop report;
    private Shop block;
    /** Block mode, fail_closed, and every hook made to fail inside. */
    private Shop faulty;
    /** The default policy: payload inspection reports. */
    private Shop inspectReport;
    /** Block mode with {@code malicious_payload: block}. */
    private Shop inspectBlock;
    /** The default policy, and inspection made to fail inside. */
    private Shop inspectFaulty;

    /** One running shop JVM and the event lines it wrote on stderr. */
    static final class Shop {
        final Process process;
        final int port;
        final List<String> stderr;

        Shop(Process process, int port, List<String> stderr) {
            this.process = process;
            this.port = port;
            this.stderr = stderr;
        }

        List<JsonNode> events(String path) throws IOException {
            List<JsonNode> out = new ArrayList<>();
            for (String line : stderr) {
                if (line.startsWith("{")) {
                    JsonNode event = JSON.readTree(line);
                    if (path == null || path.equals(event.path("request").path("path").asText())) {
                        out.add(event);
                    }
                }
            }
            return out;
        }
    }

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("rampart-shop-");
        internal = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        internal.createContext("/latest/meta-data/", exchange -> reply(exchange, "metadata-token"));
        internal.createContext("/article", exchange -> reply(exchange, "hello article"));
        internal.start();

        Path files = Files.createDirectories(tmp.resolve("files"));
        Files.writeString(files.resolve("catalog.txt"), "catalog: 3 items");
        Files.writeString(tmp.resolve("secret.txt"), "TOP-SECRET");
        Path policy = tmp.resolve("policy.json");
        // localhost is where this shop's previews legitimately point. Payload inspection is
        // off in these shops: each attack is then one event, from its sink.
        Files.writeString(policy, "{\"version\":1,\"protections\":{\"ssrf\":{\"allow_hosts\":[\"localhost\"]},"
                + "\"malicious_payload\":{\"action\":\"off\"}}}");
        report = launch("report", policy, files);
        block = launch("block", policy, files);
        Path failClosed = tmp.resolve("fail-closed.json");
        Files.writeString(failClosed, "{\"version\":1,\"fail_closed\":true,"
                + "\"protections\":{\"malicious_payload\":{\"action\":\"off\"}}}");
        faulty = launch("block", failClosed, files, "-Drampart.agent.fault=true");
        // Payload inspection as shipped (report), and as a virtual patch (block).
        Path inspecting = tmp.resolve("inspecting.json");
        Files.writeString(inspecting, "{\"version\":1}");
        inspectReport = launch("report", inspecting, files);
        Path patching = tmp.resolve("patching.json");
        Files.writeString(patching, "{\"version\":1,\"protections\":{\"malicious_payload\":{\"action\":\"block\"}}}");
        inspectBlock = launch("block", patching, files);
        inspectFaulty = launch("report", inspecting, files, "-Drampart.agent.fault=true");
    }

    private static void reply(com.sun.net.httpserver.HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private Shop launch(String mode, Path policy, Path files, String... jvmArgs) throws Exception {
        String agent = System.getProperty("rampart.agent.jar");
        assertTrue(new File(agent).isFile(), "agent JAR built: " + agent);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-javaagent:" + agent, "-Xmx256m"));
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-cp", appClassPath(), ShopApp.class.getName(),
                Files.createTempFile(tmp, mode, ".db").toString(), files.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("RAMPART_POLICY", policy.toString());
        pb.environment().put("RAMPART_MODE", mode);
        Process process = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> stderr = new CopyOnWriteArrayList<>();
        Thread drain = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = err.readLine()) != null; ) {
                    stderr.add(line);
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        });
        drain.setDaemon(true);
        drain.start();
        // A shop that never starts fails the test instead of hanging it.
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (IOException e) {
                        return null;
                    }
                });
        String line;
        try {
            line = first.get(180, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            process.destroyForcibly();
            throw new AssertionError("the shop did not start in 180 s; stderr: " + stderr);
        }
        assertNotNull(line, "the shop printed its port; stderr: " + stderr);
        assertTrue(line.startsWith("listening on "), line);
        Shop shop = new Shop(process, Integer.parseInt(line.substring("listening on ".length()).trim()), stderr);
        return shop;
    }

    /** This JVM's class path without rampart: the shop gets it from -javaagent only, as users do. */
    private static String appClassPath() {
        StringBuilder cp = new StringBuilder();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.contains("rampart-agent")) {
                cp.append(cp.length() == 0 ? "" : File.pathSeparator).append(entry);
            }
        }
        return cp.toString();
    }

    @AfterAll
    void stop() throws Exception {
        if (tmp != null) {
            try (var walk = Files.walk(tmp)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        for (Shop shop : new Shop[] {report, block, faulty, inspectReport, inspectBlock, inspectFaulty}) {
            if (shop != null) {
                shop.process.destroy();
                shop.process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (internal != null) {
            internal.stop(0);
        }
    }

    private HttpResponse<String> get(Shop shop, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port + path))
                .header("User-Agent", "rampart-it").build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(Shop shop, String path, String contentType, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port + path))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The one event for {@code path}, waiting for stderr to catch up. */
    private static JsonNode event(Shop shop, String path) throws Exception {
        for (int i = 0; i < 100; i++) {
            List<JsonNode> events = shop.events(path);
            if (!events.isEmpty()) {
                Thread.sleep(50);
                events = shop.events(path);
                assertEquals(1, events.size(), "one event for " + path + ": " + events);
                return events.get(0);
            }
            Thread.sleep(30);
        }
        throw new AssertionError("no event for " + path + "; stderr: " + shop.stderr);
    }

    private void assertNoEvent(Shop shop, String path) throws Exception {
        Thread.sleep(100);
        assertEquals(List.of(), shop.events(path), "no event for " + path);
    }

    /** Sends an attack to both shops: reported and done in one, blocked with the page in the other. */
    private void attack(String path, String threat, String sinkKind, String operation, Request send,
            String reportedBodyContains) throws Exception {
        HttpResponse<String> reported = send.to(report, path);
        assertTrue(reported.body().contains(reportedBodyContains), "report mode lets it through: " + reported.body());
        JsonNode r = event(report, path.split("\\?")[0]);
        assertEquals(threat, r.path("threat").asText(), r.toString());
        assertEquals("reported", r.path("action").asText());
        assertEquals(sinkKind, r.path("sink").path("kind").asText());
        assertTrue(r.path("sink").path("operation").asText().startsWith(operation), r.toString());
        assertTrue(r.path("stack").toString().contains("dev.rampart.it.ShopApp$"), "the Java stack: " + r);
        assertEquals(32, r.path("event_id").asText().length());

        HttpResponse<String> blocked = send.to(block, path);
        assertEquals(403, blocked.statusCode(), blocked.body());
        assertTrue(blocked.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(blocked.body().contains("Request blocked"), blocked.body());
        assertFalse(blocked.body().contains(reportedBodyContains), "the sink did not run: " + blocked.body());
        JsonNode b = event(block, path.split("\\?")[0]);
        assertEquals(threat, b.path("threat").asText());
        assertEquals("blocked", b.path("action").asText());
        assertTrue(blocked.body().contains(b.path("event_id").asText()), "the page quotes the event id");
    }

    interface Request {
        HttpResponse<String> to(Shop shop, String path) throws Exception;
    }

    @Test
    void formLoginSqlInjection() throws Exception {
        for (Shop shop : new Shop[] {report, block}) {
            HttpResponse<String> ok = post(shop, "/login", "application/x-www-form-urlencoded",
                    "email=alice%40shop.example&password=s3cret");
            assertEquals(200, ok.statusCode());
            assertEquals("welcome alice@shop.example", ok.body());
            HttpResponse<String> wrong = post(shop, "/login", "application/x-www-form-urlencoded",
                    "email=alice%40shop.example&password=guess");
            assertEquals("invalid credentials", wrong.body());
        }
        assertNoEvent(report, "/login");
        attack("/login", "sql_injection", "sql", "java.sql.Statement.executeQuery",
                (shop, path) -> post(shop, path, "application/x-www-form-urlencoded",
                        "email=" + q("' OR 1=1-- ") + "&password=x"),
                "welcome alice");
    }

    @Test
    void jsonLoginSqlInjectionReadsTheBodyWithoutConsumingIt() throws Exception {
        for (Shop shop : new Shop[] {report, block}) {
            HttpResponse<String> ok = post(shop, "/api/login", "application/json",
                    "{\"email\":\"alice@shop.example\",\"password\":\"s3cret\"}");
            assertEquals("\"welcome alice@shop.example\"", ok.body());
        }
        assertNoEvent(report, "/api/login");
        attack("/api/login", "sql_injection", "sql", "java.sql.Statement.executeQuery",
                (shop, path) -> post(shop, path, "application/json", "{\"email\":\"' OR 1=1-- \",\"password\":\"x\"}"),
                "welcome alice");
        JsonNode e = report.events("/api/login").get(0);
        assertEquals("body", e.path("input").path("source").asText());
        assertEquals("email", e.path("input").path("key").asText());
    }

    @Test
    void failClosedRefusesTheCallsAHookFailedToCheck() throws Exception {
        HttpResponse<String> refused = post(faulty, "/login", "application/x-www-form-urlencoded",
                "email=alice%40shop.example&password=s3cret");
        assertEquals(403, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("Request blocked"), refused.body());
        assertFalse(refused.body().contains("welcome"), "the query did not run: " + refused.body());
        JsonNode e = event(faulty, "/login");
        assertEquals("failed_closed", e.path("action").asText(), e.toString());
        assertTrue(e.path("threat").isNull(), e.toString());
        assertEquals("sql", e.path("sink").path("kind").asText());
        // The first SQL of the request: the driver's own set-up of the connection it opens.
        assertTrue(e.path("sink").path("operation").asText().startsWith("java.sql.Statement."), e.toString());
        assertTrue(e.path("error").path("message").asText().contains("fault injected"), e.toString());
        assertTrue(refused.body().contains(e.path("event_id").asText()), "the page quotes the error event's id");
    }

    @Test
    void pingCommandInjection() throws Exception {
        for (Shop shop : new Shop[] {report, block}) {
            assertEquals("PING 127.0.0.1\n", get(shop, "/ping?host=127.0.0.1").body());
        }
        assertNoEvent(report, "/ping");
        attack("/ping?host=" + q("127.0.0.1; id"), "command_injection", "exec", "java.lang.ProcessBuilder.start",
                (shop, path) -> get(shop, path), "uid=");
    }

    @Test
    void downloadPathTraversal() throws Exception {
        for (Shop shop : new Shop[] {report, block}) {
            assertEquals("catalog: 3 items", get(shop, "/download?file=catalog.txt").body());
        }
        assertNoEvent(report, "/download");
        attack("/download?file=" + q("../secret.txt"), "path_traversal", "path", "java.io.FileInputStream",
                (shop, path) -> get(shop, path), "TOP-SECRET");
    }

    @Test
    void previewSsrfWithHttpClient() throws Exception {
        int port = internal.getAddress().getPort();
        for (Shop shop : new Shop[] {report, block}) {
            HttpResponse<String> ok = get(shop, "/preview?url=" + q("http://localhost:" + port + "/article"));
            assertEquals("preview: hello article", ok.body());
        }
        assertNoEvent(report, "/preview");
        attack("/preview?url=" + q("http://127.0.0.1:" + port + "/latest/meta-data/"), "ssrf", "url",
                "java.net.http.HttpClient.send", (shop, path) -> get(shop, path), "metadata-token");
    }

    @Test
    void fetchSsrfWithUrlOpenConnection() throws Exception {
        int port = internal.getAddress().getPort();
        for (Shop shop : new Shop[] {report, block}) {
            assertEquals("fetched: hello article",
                    get(shop, "/fetch?url=" + q("http://localhost:" + port + "/article")).body());
        }
        assertNoEvent(report, "/fetch");
        attack("/fetch?url=" + q("http://127.0.0.1:" + port + "/latest/meta-data/"), "ssrf", "url",
                "java.net.URL.openConnection", (shop, path) -> get(shop, path), "metadata-token");
    }

    @Test
    void openRedirect() throws Exception {
        for (Shop shop : new Shop[] {report, block}) {
            HttpResponse<String> ok = get(shop, "/go?next=" + q("/account"));
            assertEquals(302, ok.statusCode());
            assertTrue(ok.headers().firstValue("Location").orElse("").endsWith("/account"));
        }
        assertNoEvent(report, "/go");
        HttpResponse<String> reported = get(report, "/go?next=" + q("//evil.example/"));
        assertEquals(302, reported.statusCode());
        assertEquals("open_redirect", event(report, "/go").path("threat").asText());
        HttpResponse<String> blocked = get(block, "/go?next=" + q("//evil.example/"));
        assertEquals(403, blocked.statusCode());
        assertTrue(blocked.body().contains("Request blocked"));
        assertEquals("blocked", event(block, "/go").path("action").asText());
    }

    @Test
    void headerInjection() throws Exception {
        for (Shop shop : new Shop[] {report, block}) {
            HttpResponse<String> ok = get(shop, "/lang?lang=fr");
            assertEquals("fr", ok.headers().firstValue("Content-Language").orElse(""));
        }
        assertNoEvent(report, "/lang");
        get(report, "/lang?lang=" + q("fr\r\nSet-Cookie: session=attacker"));
        JsonNode r = event(report, "/lang");
        assertEquals("header_injection", r.path("threat").asText());
        assertEquals("HttpServletResponse.setHeader", r.path("sink").path("operation").asText());
        HttpResponse<String> blocked = get(block, "/lang?lang=" + q("fr\r\nSet-Cookie: session=attacker"));
        assertEquals(403, blocked.statusCode());
        assertTrue(blocked.headers().firstValue("Set-Cookie").isEmpty());
        assertEquals("blocked", event(block, "/lang").path("action").asText());
    }

    @Test
    void socketConnectChecksTheAddressReallyUsed() throws Exception {
        int port = internal.getAddress().getPort();
        attack("/probe?host=127.0.0.1&port=" + port, "ssrf", "url", "java.net.Socket.connect",
                (shop, path) -> get(shop, path), "open");
        assertEquals("ssrf_resolved_internal", report.events("/probe").get(0).path("reason").asText());
    }

    // ---- payload inspection at request start ----

    private HttpResponse<String> get(Shop shop, String path, String userAgent) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port + path))
                .header("User-Agent", userAgent).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String XSS = "/search/xss?q=" + q("<script>alert(1)</script>");

    @Test
    void payloadInspectionReportsARequestThatReachesNoSink() throws Exception {
        HttpResponse<String> normal = get(inspectReport, "/search/normal?q=shoes");
        assertEquals(200, normal.statusCode());
        assertTrue(normal.body().startsWith("results for shoes"), normal.body());
        assertNoEvent(inspectReport, "/search/normal");

        HttpResponse<String> xss = get(inspectReport, XSS);
        assertEquals(200, xss.statusCode());
        assertTrue(xss.body().startsWith("results for <script>alert(1)</script>"), "the app answered: " + xss.body());
        JsonNode e = event(inspectReport, "/search/xss");
        assertEquals("malicious_payload", e.path("threat").asText(), e.toString());
        assertEquals("reported", e.path("action").asText());
        assertEquals("payload_xss", e.path("reason").asText());
        assertEquals("request", e.path("sink").path("kind").asText());
        assertEquals("<script>alert(1)</script>", e.path("sink").path("resource").asText(), e.toString());
        assertEquals("query", e.path("input").path("source").asText());
        assertEquals("q", e.path("input").path("key").asText());
        assertEquals(0, e.path("stack").size(), "no application code ran yet: " + e);
        assertEquals(32, e.path("event_id").asText().length());

        HttpResponse<String> scanner = get(inspectReport, "/search/scanner?q=shoes", "sqlmap/1.8.4#stable");
        assertEquals(200, scanner.statusCode());
        JsonNode s = event(inspectReport, "/search/scanner");
        assertEquals("rule_match", s.path("reason").asText(), s.toString());
        assertEquals("user-agent", s.path("input").path("key").asText());
    }

    @Test
    void payloadInspectionOffLeavesRequestsAlone() throws Exception {
        for (Shop shop : new Shop[] {report, block}) {
            HttpResponse<String> xss = get(shop, XSS);
            assertEquals(200, xss.statusCode());
            assertTrue(xss.body().startsWith("results for <script>"), xss.body());
            get(shop, "/search/xss-scanner?q=shoes", "sqlmap/1.8.4#stable");
            assertNoEvent(shop, "/search/xss");
            assertNoEvent(shop, "/search/xss-scanner");
        }
    }

    @Test
    void payloadInspectionBlocksBeforeTheServletRuns() throws Exception {
        HttpResponse<String> before = get(inspectBlock, "/search/normal-block?q=shoes");
        assertEquals(200, before.statusCode());
        int served = searchesServed(before.body());
        assertNoEvent(inspectBlock, "/search/normal-block");

        HttpResponse<String> blocked = get(inspectBlock, "/search/blocked?q=" + q("<script>alert(1)</script>"));
        assertEquals(403, blocked.statusCode(), blocked.body());
        assertTrue(blocked.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(blocked.body().contains("Request blocked"), blocked.body());
        JsonNode e = event(inspectBlock, "/search/blocked");
        assertEquals("malicious_payload", e.path("threat").asText());
        assertEquals("blocked", e.path("action").asText());
        assertEquals("request", e.path("sink").path("kind").asText());
        assertTrue(blocked.body().contains(e.path("event_id").asText()), "the page quotes the event id");

        HttpResponse<String> after = get(inspectBlock, "/search/normal-block?q=boots");
        assertEquals(200, after.statusCode());
        assertEquals(served + 1, searchesServed(after.body()), "the blocked request never reached the servlet");
    }

    private static int searchesServed(String body) {
        int at = body.lastIndexOf("(search ");
        return Integer.parseInt(body.substring(at + "(search ".length(), body.length() - 1));
    }

    @Test
    void payloadInspectionKeepsFormsAndBodiesReadable() throws Exception {
        // The shop without inspection shows what the container itself does: it is the same.
        for (Shop shop : new Shop[] {report, inspectReport, inspectBlock}) {
            HttpResponse<String> ok = post(shop, "/login", "application/x-www-form-urlencoded",
                    "email=alice%40shop.example&password=s3cret");
            assertEquals("welcome alice@shop.example", ok.body());
            HttpResponse<String> json = post(shop, "/api/login", "application/json",
                    "{\"email\":\"alice@shop.example\",\"password\":\"s3cret\"}");
            assertEquals("\"welcome alice@shop.example\"", json.body());
            // Read at start for inspection, then handed back: the raw body, and the fields
            // as the container gives them once the stream was read (the query's alone).
            HttpResponse<String> raw = post(shop, "/echo/raw?from=query", "application/x-www-form-urlencoded",
                    "a=1&b=two+words&from=body");
            assertEquals("echo a=1&b=two+words&from=body [from=query b=null]", raw.body());
        }
        for (Shop shop : new Shop[] {inspectReport, inspectBlock}) {
            assertNoEvent(shop, "/api/login");
            assertNoEvent(shop, "/echo/raw");
        }
    }

    private HttpResponse<String> upload(Shop shop, String fileName, String contentType, byte[] content)
            throws Exception {
        String boundary = "rampart-it-boundary";
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nalice\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"" + fileName
                + "\"\r\nContent-Type: " + contentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shop.port + "/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void uploadsAreInspectedByTheirNameTypeAndFirstBytes() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        for (Shop shop : new Shop[] {inspectReport, inspectBlock}) {
            HttpResponse<String> ok = upload(shop, "me.png", "image/png", png);
            assertEquals("stored me.png (16 bytes) for alice", ok.body());
        }
        assertNoEvent(inspectReport, "/upload");
        assertNoEvent(inspectBlock, "/upload");

        byte[] php = "<?php system($_GET['c']); ?>".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> reported = upload(inspectReport, "me.png", "image/png", php);
        assertTrue(reported.body().startsWith("stored me.png"), reported.body());
        JsonNode e = event(inspectReport, "/upload");
        assertEquals("malicious_payload", e.path("threat").asText(), e.toString());
        assertEquals("file", e.path("input").path("source").asText(), e.toString());
        assertEquals("avatar", e.path("input").path("key").asText());

        HttpResponse<String> blocked = upload(inspectBlock, "me.png", "image/png", php);
        assertEquals(403, blocked.statusCode(), blocked.body());
        assertFalse(blocked.body().contains("stored"), blocked.body());
        assertEquals("blocked", event(inspectBlock, "/upload").path("action").asText());
    }

    @Test
    void payloadInspectionReadsFormFieldsBeforeTheServlet() throws Exception {
        String form = "email=" + q("<script>alert(1)</script>") + "&password=x";
        HttpResponse<String> reported = post(inspectReport, "/login", "application/x-www-form-urlencoded", form);
        assertEquals("invalid credentials", reported.body());
        JsonNode e = event(inspectReport, "/login");
        assertEquals("malicious_payload", e.path("threat").asText(), e.toString());
        assertEquals("body", e.path("input").path("source").asText());
        assertEquals("email", e.path("input").path("key").asText());

        HttpResponse<String> blocked = post(inspectBlock, "/login", "application/x-www-form-urlencoded", form);
        assertEquals(403, blocked.statusCode(), blocked.body());
        assertEquals("blocked", event(inspectBlock, "/login").path("action").asText());
    }

    @Test
    void payloadInspectionReadsJsonBodiesBeforeTheServlet() throws Exception {
        String json = "{\"email\":\"<script>alert(1)</script>\",\"password\":\"x\"}";
        HttpResponse<String> reported = post(inspectReport, "/api/signin", "application/json", json);
        assertEquals("\"invalid credentials\"", reported.body(), "Jackson read the replayed body");
        JsonNode e = event(inspectReport, "/api/signin");
        assertEquals("malicious_payload", e.path("threat").asText(), e.toString());
        assertEquals("body", e.path("input").path("source").asText());
        assertEquals("email", e.path("input").path("key").asText());

        HttpResponse<String> blocked = post(inspectBlock, "/api/signin", "application/json", json);
        assertEquals(403, blocked.statusCode(), blocked.body());
        assertEquals("blocked", event(inspectBlock, "/api/signin").path("action").asText());
    }

    @Test
    void payloadInspectionRunsOncePerRequestWhateverItsDispatches() throws Exception {
        String xss = "?q=" + q("<script>alert(1)</script>");
        HttpResponse<String> forwarded = get(inspectReport, "/forward/x" + xss);
        assertTrue(forwarded.body().startsWith("results for <script>"), forwarded.body());
        assertEquals("malicious_payload", event(inspectReport, "/forward/x").path("threat").asText());
        HttpResponse<String> later = get(inspectReport, "/later/x" + xss);
        assertTrue(later.body().startsWith("results for <script>"), later.body());
        assertEquals("malicious_payload", event(inspectReport, "/later/x").path("threat").asText());
        // The dispatches themselves are not inspected again.
        assertNoEvent(inspectReport, "/search/forwarded");
        assertNoEvent(inspectReport, "/search/later");

        HttpResponse<String> blocked = get(inspectBlock, "/later/x" + xss);
        assertEquals(403, blocked.statusCode(), blocked.body());
        assertEquals("blocked", event(inspectBlock, "/later/x").path("action").asText());
    }

    @Test
    void payloadInspectionThatFailsLetsTheRequestThrough() throws Exception {
        HttpResponse<String> ok = get(inspectFaulty, "/search/faulty?q=" + q("<script>alert(1)</script>"));
        assertEquals(200, ok.statusCode(), ok.body());
        assertTrue(ok.body().startsWith("results for <script>"), ok.body());
        JsonNode e = event(inspectFaulty, "/search/faulty");
        assertEquals("failed_open", e.path("action").asText(), e.toString());
        assertTrue(e.path("threat").isNull(), e.toString());
        assertEquals("request", e.path("sink").path("kind").asText());
        assertTrue(e.path("error").path("message").asText().contains("fault injected"), e.toString());
    }
}
