package dev.rampart;

import java.util.Locale;

/** A SQL dialect, with its own string, comment and identifier rules. */
public enum Dialect {
    MYSQL(1),
    POSTGRESQL(2),
    SQLITE(3),
    MSSQL(4),
    ORACLE(5),
    /** For databases rampart does not model: standard rules, judged under both string readings. */
    GENERIC(6);

    final int code;

    Dialect(int code) {
        this.code = code;
    }

    /**
     * The dialect of a name or common alias ({@code postgres}, {@code mariadb},
     * {@code sqlserver}), in any case; {@code null} when none fits.
     */
    public static Dialect parse(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "mysql": case "mariadb":
                return MYSQL;
            case "postgresql": case "postgres": case "pg": case "pgsql": case "cockroachdb":
                return POSTGRESQL;
            case "sqlite": case "sqlite3":
                return SQLITE;
            case "mssql": case "sqlserver": case "tsql": case "t-sql":
                return MSSQL;
            case "oracle":
                return ORACLE;
            case "generic": case "sql": case "ansi": case "":
                return GENERIC;
            default:
                return null;
        }
    }

    /**
     * The dialect of a JDBC URL ({@code jdbc:sqlite:shop.db}, {@code jdbc:postgresql://...},
     * {@code jdbc:mariadb://...}); {@link #GENERIC} for databases rampart does not model.
     */
    public static Dialect fromJdbcUrl(String url) {
        if (url == null || !url.regionMatches(true, 0, "jdbc:", 0, 5)) {
            return GENERIC;
        }
        String rest = url.substring(5).toLowerCase(Locale.ROOT);
        // Wrapping drivers put their own name first (jdbc:p6spy:mysql:..., jdbc:tc:postgresql:...).
        for (String part : rest.split(":", 4)) {
            Dialect d = part.equals("microsoft") || part.equals("jtds") ? MSSQL : parse(part);
            if (d != null && d != GENERIC) {
                return d;
            }
        }
        return GENERIC;
    }
}
