package dev.rampart.bench;

import dev.rampart.Dialect;
import dev.rampart.Engine;
import dev.rampart.Request;
import dev.rampart.Source;

/**
 * Cost of a check through the Java API (the JNI crossing included), the numbers in
 * docs/performance.md. Not a test: run it by hand after {@code mvn package}:
 *
 * <pre>java -cp rampart/target/rampart.jar:rampart/target/test-classes dev.rampart.bench.ApiBench</pre>
 */
public final class ApiBench {
    private ApiBench() {}

    public static void main(String[] args) {
        String query = "SELECT id, name, price FROM products WHERE category = 'books' AND name LIKE '%rust%' "
                + "AND price < 40 AND stock > 0 ORDER BY price DESC, name ASC LIMIT 20 OFFSET 0 -- listing page";
        try (Engine engine = Engine.fromJson("{\"mode\":\"block\"}"); Request request = new Request()) {
            for (int i = 0; i < 10; i++) {
                request.addInput(Source.QUERY, "field" + i, "value-" + i + " with spaces");
            }
            String attack = "SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'";
            Request evil = new Request().addInput(Source.BODY, "email", "' OR 1=1-- ");
            for (int round = 0; round < 3; round++) {
                System.out.printf("benign checkSql, 10 inputs, %d-byte query: %.0f ns%n", query.length(),
                        time(() -> engine.checkSql(request, Dialect.MYSQL, query)));
                System.out.printf("attack checkSql: %.0f ns%n", time(() -> engine.checkSql(evil, Dialect.MYSQL, attack)));
                Request empty = new Request();
                System.out.printf("checkSql, request without inputs (the crossing alone): %.0f ns%n",
                        time(() -> engine.checkSql(empty, Dialect.MYSQL, query)));
                System.out.printf("checkPath, no input in the path: %.0f ns%n",
                        time(() -> engine.checkPath(request, "/srv/files/catalog.txt")));
            }
            evil.close();
        }
    }

    private static double time(Runnable check) {
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            check.run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            check.run();
        }
        return (System.nanoTime() - start) / (double) n;
    }
}
