package dev.rampart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every case of testdata/vectors through the public Java API: every kind runs (none
 * unsupported), the count per kind is pinned, and each case matches its {@code expect}
 * (or is listed with a reason in skip.jsonl).
 */
class VectorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Cases per kind in testdata/vectors: a file that shrinks or fails to load shows here. */
    private static final Map<String, Integer> EXPECTED = Map.of(
            "sql", 1185, "url", 818, "shell", 365, "path", 335,
            "exec", 169, "header", 78, "nosql", 65, "redirect", 64, "payload", 147);

    /** The policy's protection of each kind. */
    private static final Map<String, Threat> THREATS = Map.of(
            "sql", Threat.SQL_INJECTION, "shell", Threat.COMMAND_INJECTION, "exec", Threat.COMMAND_INJECTION,
            "nosql", Threat.NOSQL_INJECTION, "path", Threat.PATH_TRAVERSAL, "url", Threat.SSRF,
            "redirect", Threat.OPEN_REDIRECT, "header", Threat.HEADER_INJECTION,
            "payload", Threat.MALICIOUS_PAYLOAD);

    static Path vectorsDir() {
        return Path.of(System.getProperty("rampart.vectors.dir", "../../../testdata/vectors"));
    }

    private static String text(JsonNode c, String field) {
        JsonNode n = c.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    /** Runs one case the way an agent would at the case's sink. */
    static Verdict run(Engine engine, Request request, JsonNode c) {
        request.reset();
        String kind = c.get("kind").asText();
        if (kind.equals("redirect") && text(c, "host") != null) {
            request.setHost(text(c, "host"));
        }
        if (kind.equals("payload")) {
            // Payload inspection judges the request itself: its method, path and inputs.
            request.setPath(c.get("resource").asText());
            request.setMethod(text(c, "method") == null ? "GET" : text(c, "method"));
        }
        for (JsonNode input : c.path("inputs")) {
            Source source = Source.fromName(input.get("source").asText());
            assertNotNull(source, "source of " + c.get("id"));
            request.addInput(source, input.path("key").asText(""), input.get("value").asText());
        }
        JsonNode resource = c.get("resource");
        switch (kind) {
            case "sql": {
                String dialect = text(c, "dialect");
                return engine.checkSql(request, Dialect.parse(dialect == null ? "generic" : dialect),
                        resource.asText());
            }
            case "shell":
                return engine.checkShell(request, resource.asText());
            case "exec": {
                List<String> argv = new ArrayList<>();
                resource.forEach(a -> argv.add(a.asText()));
                return engine.checkExec(request, argv);
            }
            case "nosql":
                return engine.checkNosql(request, resource.asText());
            case "path":
                return engine.checkPath(request, resource.asText());
            case "url": {
                Verdict v = engine.checkUrl(request, resource.asText());
                if (v.isAttack() || text(c, "host") == null || text(c, "ip") == null) {
                    return v;
                }
                return engine.checkResolvedIp(request, text(c, "host"), text(c, "ip"));
            }
            case "redirect":
                return engine.checkRedirect(request, resource.asText());
            case "header":
                return engine.checkHeader(request, text(c, "name"), resource.asText());
            case "payload":
                return engine.inspect(request);
            default:
                throw new AssertionError("unsupported kind " + kind + " in " + c.get("id"));
        }
    }

    private static Map<String, String> skips() throws IOException {
        Path file = vectorsDir().resolve("skip.jsonl");
        Map<String, String> skips = new HashMap<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    JsonNode entry = JSON.readTree(line);
                    assertNotNull(text(entry, "reason"), "skip entry names a reason");
                    skips.put(entry.get("id").asText(), entry.get("reason").asText());
                }
            }
        }
        return skips;
    }

    static List<JsonNode> cases() throws IOException {
        List<JsonNode> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(vectorsDir())) {
            for (Path file : files.filter(f -> f.toString().endsWith(".jsonl"))
                    .filter(f -> !f.getFileName().toString().equals("skip.jsonl")).sorted()
                    .collect(Collectors.toList())) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        cases.add(JSON.readTree(line));
                    }
                }
            }
        }
        return cases;
    }

    @Test
    void everyVectorRunsThroughTheJavaApi() throws IOException {
        Map<String, String> skips = skips();
        Map<String, Integer> perKind = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        List<String> passingSkips = new ArrayList<>();
        try (Engine engine = Engine.fromJson("{\"mode\":\"block\"}"); Request request = new Request()) {
            for (JsonNode c : cases()) {
                String id = c.get("id").asText();
                String kind = c.get("kind").asText();
                Verdict v = run(engine, request, c);
                perKind.merge(kind, 1, Integer::sum);
                boolean ok = c.get("expect").asText().equals("attack") == v.isAttack();
                if (ok && skips.containsKey(id)) {
                    passingSkips.add(id);
                }
                if (!ok && !skips.containsKey(id)) {
                    failures.add(id + ": expected " + c.get("expect").asText() + ", got " + v + " -- "
                            + text(c, "note"));
                }
                if (v.isAttack()) {
                    // malicious_payload reports by default; every sink protection blocks.
                    assertEquals(kind.equals("payload") ? Action.REPORT : Action.BLOCK, v.action(), id);
                    assertEquals(THREATS.get(kind), v.threat(), id);
                    assertNotNull(v.reason(), id);
                    assertNotNull(v.description(), id);
                }
                if (v.isAttack() && kind.equals("sql")) {
                    // The span is where the input sits in the resource, in UTF-8 bytes.
                    byte[] resource = c.get("resource").asText().getBytes(StandardCharsets.UTF_8);
                    String value = c.get("inputs").get(v.inputIndex()).get("value").asText();
                    assertEquals(value, new String(Arrays.copyOfRange(resource, v.spanStart(), v.spanEnd()),
                            StandardCharsets.UTF_8), id);
                }
            }
        }
        assertEquals(new TreeMap<>(EXPECTED), perKind, "cases run per kind");
        assertEquals(3226, perKind.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(failures.isEmpty(), failures.size() + " mismatches:\n" + String.join("\n", failures));
        assertTrue(passingSkips.isEmpty(), "skipped cases that pass now: " + passingSkips);
        System.out.println("vectors: " + perKind + " -- 3226 cases through the Java API");
    }
}
