package dev.rampart.bench;

import dev.rampart.Request;
import java.io.File;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link SqlHook} in JVMs without and with {@code -javaagent:rampart-agent.jar} and
 * prints what the agent adds per call. JMH's own options pass through ({@code -f 1 -wi 2
 * -i 3}); {@code -Drampart.agent.jar=PATH} names the agent (default: the module's build).
 */
public final class AgentOverhead {
    private AgentOverhead() {}

    public static void main(String[] args) throws Exception {
        String agent = System.getProperty("rampart.agent.jar", "agent/target/rampart-agent.jar");
        if (!new File(agent).isFile()) {
            throw new IllegalArgumentException("no agent JAR at " + agent + " (-Drampart.agent.jar=PATH)");
        }
        try (Request request = new Request()) {
            request.setMethod("GET").setPath("/products").addQueryString(SqlHook.QUERY_STRING);
            SqlHook.HEADERS.forEach((name, values) -> values.forEach(v -> request.addHeader(name, v)));
            System.out.println("inputs of the benchmark's request: " + request.size());
        }
        CommandLineOptions cli = new CommandLineOptions(args);
        Map<String, Result<?>> without = run(new OptionsBuilder().parent(cli)
                .include(SqlHook.class.getName()).build());
        Map<String, Result<?>> with = run(new OptionsBuilder().parent(cli)
                .include(SqlHook.class.getName())
                .jvmArgsAppend("-javaagent:" + new File(agent).getAbsolutePath()).build());

        System.out.println();
        System.out.printf("%-20s %22s %22s %22s%n", "benchmark (ns/op)", "without agent", "with agent", "added");
        for (Map.Entry<String, Result<?>> e : without.entrySet()) {
            Result<?> a = e.getValue();
            Result<?> b = with.get(e.getKey());
            if (b == null) {
                continue;
            }
            System.out.printf("%-20s %12.1f ± %7.1f %12.1f ± %7.1f %12.1f ± %7.1f%n", e.getKey(), a.getScore(),
                    a.getScoreError(), b.getScore(), b.getScoreError(), b.getScore() - a.getScore(),
                    finite(a.getScoreError()) + finite(b.getScoreError()));
        }
    }

    private static double finite(double error) {
        return Double.isNaN(error) ? 0 : error;
    }

    private static Map<String, Result<?>> run(Options options) throws Exception {
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Result<?>> out = new LinkedHashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            out.put(name.substring(name.lastIndexOf('.') + 1), r.getPrimaryResult());
        }
        return out;
    }
}
