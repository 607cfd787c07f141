package dev.rampart.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.jar.JarFile;

/**
 * The agent's entry point ({@code -javaagent:rampart-agent.jar}). It only puts the agent
 * JAR on the bootstrap class path and hands over to {@link Agent}: the hooks live in
 * JDK classes ({@code java.io.FileInputStream}, {@code java.lang.ProcessBuilder}) whose
 * class loader sees nothing else.
 *
 * <p>Nothing here may stop the application: a failure prints one error event and the
 * application starts unprotected.
 */
public final class Premain {
    private Premain() {}

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, true);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    private static void start(String args, Instrumentation inst, boolean atStartup) {
        try {
            File jar = new File(Premain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            inst.appendToBootstrapClassLoaderSearch(new JarFile(jar));
            Class<?> agent = Class.forName("dev.rampart.agent.Agent", true, null);
            agent.getMethod("install", String.class, Instrumentation.class, boolean.class)
                    .invoke(null, args, inst, atStartup);
        } catch (Throwable t) {
            Throwable cause = t.getCause() != null ? t.getCause() : t;
            String message = String.valueOf(cause).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
            System.err.println("{\"threat\":null,\"action\":\"failed_open\",\"error\":{\"kind\":\"hook_not_applied\","
                    + "\"message\":\"rampart agent not started: " + message + "\"},\"sink\":{\"kind\":\"agent\"}}");
        }
    }
}
