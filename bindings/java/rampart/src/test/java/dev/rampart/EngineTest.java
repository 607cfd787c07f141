package dev.rampart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class EngineTest {
    private static final String LOGIN = "SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'";

    @Test
    void findsAnInjectionAndFormatsItsEvent() {
        try (Engine engine = Engine.fromJson("{\"mode\":\"block\"}"); Request request = new Request()) {
            request.setMethod("POST").setPath("/login").addInput(Source.BODY, "email", "' OR 1=1-- ");
            Verdict v = engine.checkSql(request, Dialect.MYSQL, LOGIN);
            assertTrue(v.isAttack());
            assertTrue(v.isBlock());
            assertEquals(Threat.SQL_INJECTION, v.threat());
            assertEquals("sql_literal_escape", v.reason());
            assertEquals(0, v.inputIndex());
            assertEquals(35, v.spanStart());
            assertEquals(46, v.spanEnd());
            String line = engine.eventJson(request, v, "sql", LOGIN, new EventContext(
                    "java.sql.Statement.executeQuery", null, "127.0.0.1", "curl", "r1", List.of("A.b(A.java:1)")));
            assertTrue(line.contains("\"threat\":\"sql_injection\""), line);
            assertTrue(line.contains("\"action\":\"blocked\""), line);
            assertTrue(line.contains("\"operation\":\"java.sql.Statement.executeQuery\""), line);
            assertTrue(line.contains("\"stack\":[\"A.b(A.java:1)\"]"), line);
            assertNull(engine.eventJson(request, Verdict.ALLOW, "sql", LOGIN, null));
            assertSame(Verdict.ALLOW, engine.checkSql(request, Dialect.MYSQL, "SELECT * FROM users WHERE email = ?"));
        }
    }

    @Test
    void errorEventsSayWhetherTheCallFailedOpenOrClosed() {
        String id = Engine.newEventId();
        try (Engine open = new Engine(); Engine closed = Engine.fromJson("{\"fail_closed\":true}")) {
            assertFalse(open.failClosed());
            assertTrue(closed.failClosed());
            EventContext context = new EventContext("java.sql.Statement.executeQuery", id, null, null, null, null);
            String line = open.errorEventJson(null, "sql", "internal", "boom", context);
            assertTrue(line.contains("\"action\":\"failed_open\""), line);
            line = closed.errorEventJson(null, "sql", "internal", "boom", context);
            assertTrue(line.contains("\"action\":\"failed_closed\""), line);
            // The hook's id, which the block page quotes.
            assertTrue(line.contains("\"event_id\":\"" + id + "\""), line);
        }
    }

    @Test
    void spansAreUtf8ByteOffsets() {
        try (Engine engine = Engine.fromJson("{\"mode\":\"block\"}"); Request request = new Request()) {
            String payload = "é' OR 'a'='a";
            request.addInput(Source.QUERY, "name", payload);
            String query = "SELECT 'ü' || name FROM t WHERE name = '" + payload + "'";
            Verdict v = engine.checkSql(request, Dialect.SQLITE, query);
            byte[] bytes = query.getBytes(StandardCharsets.UTF_8);
            assertEquals(payload, new String(bytes, v.spanStart(), v.spanEnd() - v.spanStart(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void everyCheckIsReachable() {
        try (Engine engine = Engine.fromJson("{\"mode\":\"block\"}"); Request request = new Request()) {
            request.addInput(Source.QUERY, "host", "127.0.0.1; cat /etc/passwd");
            assertEquals("shell_operator", engine.checkShell(request, "ping -c 1 127.0.0.1; cat /etc/passwd").reason());
            assertFalse(engine.checkExec(request, "ping", "-c", "1", "127.0.0.1; cat /etc/passwd").isAttack());
            request.reset().addInput(Source.QUERY, "prog", "/bin/sh");
            assertEquals(Threat.COMMAND_INJECTION, engine.checkExec(request, List.of("/bin/sh", "-i")).threat());
            request.reset().addInput(Source.QUERY, "file", "../../etc/passwd");
            assertEquals(Threat.PATH_TRAVERSAL, engine.checkPath(request, "/srv/files/../../etc/passwd").threat());
            request.reset().addInput(Source.QUERY, "url", "http://169.254.169.254/latest/meta-data/");
            assertEquals("ssrf_cloud_metadata",
                    engine.checkUrl(request, "http://169.254.169.254/latest/meta-data/").reason());
            request.reset().addInput(Source.QUERY, "host", "rebind.example");
            assertEquals("ssrf_resolved_internal",
                    engine.checkResolvedIp(request, "rebind.example", "10.0.0.7").reason());
            request.reset().setHost("shop.example").addInput(Source.QUERY, "next", "//evil.example/");
            assertEquals(Threat.OPEN_REDIRECT, engine.checkRedirect(request, "//evil.example/").threat());
            request.reset().addInput(Source.QUERY, "lang", "en\r\nSet-Cookie: a=b");
            assertEquals(Threat.HEADER_INJECTION,
                    engine.checkHeader(request, "Content-Language", "en\r\nSet-Cookie: a=b").threat());
            request.reset().addJson("{\"user\":{\"$ne\":null}}".getBytes(StandardCharsets.UTF_8), 21);
            assertEquals(Threat.NOSQL_INJECTION, engine.checkNosql(request, "{\"user\":{\"$ne\":null}}").threat());
        }
    }

    @Test
    void requestCollectsInputs() {
        try (Request request = new Request()) {
            request.addQueryString("a=1&b=%27+OR+1%3D1").addCookieHeader("sid=abc; theme=\"dark\"")
                    .addHeader("X-Forwarded-Host", "evil.example").addHeader("Accept-Encoding", "gzip")
                    .addParameters(Source.BODY, Map.of("k", new String[] {"v1", "v2"}));
            byte[] json = "{\"user\":{\"name\":\"x' OR 1\"}} trailing".getBytes(StandardCharsets.UTF_8);
            request.addJson(json, 28);
            List<String> got = new ArrayList<>();
            for (int i = 0; i < request.size(); i++) {
                got.add(request.input(i).toString());
            }
            assertEquals(List.of("query.a=1", "query.b=' OR 1=1", "cookie.sid=abc", "cookie.theme=dark",
                    "header.x-forwarded-host=evil.example", "body.k=v1", "body.k=v2", "body.user.name=x' OR 1"), got);
            assertNull(request.input(99));
        }
    }

    @Test
    void protectionActionsFollowTheMode() {
        try (Engine byDefault = new Engine();
                Engine blocking = Engine.fromJson("{\"mode\":\"block\",\"protections\":{\"malicious_payload\":"
                        + "{\"action\":\"block\"},\"ssrf\":{\"action\":\"off\"}}}");
                Engine off = Engine.fromJson("{\"mode\":\"off\"}")) {
            assertEquals(Action.REPORT, byDefault.action(Threat.MALICIOUS_PAYLOAD));
            assertEquals(Action.BLOCK, blocking.action(Threat.MALICIOUS_PAYLOAD));
            assertEquals(Action.ALLOW, blocking.action(Threat.SSRF));
            assertEquals(Action.ALLOW, off.action(Threat.SQL_INJECTION));
        }
    }

    @Test
    void uploadsAreInspectedByNameAndContent() {
        try (Engine engine = new Engine(); Request request = new Request()) {
            byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
            request.addFile("avatar", "me.png", "image/png", png, png.length);
            assertEquals("file.avatar=me.png", request.input(0).toString());
            assertFalse(engine.inspect(request).isAttack());

            request.reset();
            byte[] php = "<?php system($_GET['c']); ?>".getBytes(StandardCharsets.UTF_8);
            request.addFile("avatar", "me.png", "image/png", php, php.length);
            Verdict v = engine.inspect(request);
            assertEquals(Threat.MALICIOUS_PAYLOAD, v.threat());
            assertTrue(v.isAttack());

            request.reset();
            request.addFile("doc", "shell.jsp", "text/plain", new byte[0], 0);
            assertEquals(Threat.MALICIOUS_PAYLOAD, engine.inspect(request).threat());
            assertThrows(InvalidArgumentException.class, () -> request.addFile("f", "a", "b", new byte[1], 2));
        }
    }

    @Test
    void errorsHaveOneClassPerKind() {
        InvalidPolicyException e = assertThrows(InvalidPolicyException.class, () -> Engine.fromJson("{\"mode\":\"blok\"}"));
        assertEquals("invalid_policy", e.kind());
        assertEquals(1, e.code());
        assertTrue(e.getMessage().contains("mode"), e.getMessage());
        assertThrows(InvalidPolicyException.class, () -> Engine.fromJson("{\"protections\":{\"sql\":{}}}"));
        Engine closed = new Engine();
        closed.close();
        closed.close();
        InvalidArgumentException c = assertThrows(InvalidArgumentException.class,
                () -> closed.checkPath(new Request(), "/x"));
        assertEquals(3, c.code());
        assertEquals(Dialect.SQLITE, Dialect.fromJdbcUrl("jdbc:sqlite:/tmp/shop.db"));
        assertEquals(Dialect.POSTGRESQL, Dialect.fromJdbcUrl("jdbc:postgresql://127.0.0.1/shop"));
        assertEquals(Dialect.MYSQL, Dialect.fromJdbcUrl("jdbc:p6spy:mariadb://127.0.0.1/shop"));
        assertEquals(Dialect.MSSQL, Dialect.fromJdbcUrl("jdbc:sqlserver://db;databaseName=shop"));
        assertEquals(Dialect.GENERIC, Dialect.fromJdbcUrl("jdbc:h2:mem:x"));
    }

    @Test
    void aPanicBecomesAJavaException() {
        Native.ensureLoaded();
        InternalException e = assertThrows(InternalException.class, () -> Native.panicForTest("on purpose"));
        assertTrue(e.getMessage().contains("on purpose"), e.getMessage());
        // The JVM and the library are still fine afterwards.
        try (Engine engine = new Engine()) {
            assertEquals("report", engine.mode());
        }
    }

    @Test
    void policyFromEnvironmentAndBlockPage() {
        try (Engine engine = Engine.fromEnv()) {
            assertEquals("report", engine.mode());
            assertFalse(engine.failClosed());
            BlockResponse page = engine.blockResponse("abc123");
            assertEquals(403, page.status());
            assertTrue(page.contentType().startsWith("text/html"));
            assertTrue(page.body().contains("abc123"));
        }
        assertEquals(32, Engine.newEventId().length());
        assertTrue(Engine.version().matches("\\d+\\.\\d+\\.\\d+.*"));
    }

    @Test
    void oneEngineServesManyThreads() throws Exception {
        try (Engine engine = Engine.fromJson("{\"mode\":\"block\"}")) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    int attacks = 0;
                    try (Request request = new Request()) {
                        for (int i = 0; i < 2000; i++) {
                            request.reset().addInput(Source.BODY, "email", "' OR 1=1-- ");
                            attacks += engine.checkSql(request, Dialect.MYSQL, LOGIN).isAttack() ? 1 : 0;
                            attacks += engine.checkSql(request, Dialect.MYSQL, "SELECT 1").isAttack() ? 1 : 0;
                        }
                    }
                    return attacks;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(2000, f.get());
            }
            pool.shutdown();
        }
    }

    @Test
    void unreachableObjectsAreReleased() throws Exception {
        // The Cleaner frees what nobody closed; this only proves it never double-frees or crashes.
        for (int i = 0; i < 10_000; i++) {
            new Request().addInput(Source.QUERY, "q", "x");
        }
        System.gc();
        Thread.sleep(50);
        try (Engine engine = new Engine(); Request r = new Request()) {
            assertFalse(engine.checkPath(r, "/x").isAttack());
        }
    }

    @Test
    void theJarCarriesThisPlatformsLibrary() {
        assertEquals("linux-x86_64", Native.platform(), "the platform this build and its CI run on");
        assertTrue(Native.class.getClassLoader().getResource("native/linux-x86_64/librampart_jni.so") != null);
    }
}
