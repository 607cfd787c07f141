package dev.rampart.agent;

import static net.bytebuddy.matcher.ElementMatchers.declaresMethod;
import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.nameMatches;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.rampart.Engine;
import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

/**
 * Installs the hooks: reads the policy ({@code RAMPART_POLICY}, {@code RAMPART_MODE}),
 * then instruments the sinks and {@code HttpServlet.service} with ByteBuddy, retransforming
 * the JDK classes already loaded.
 */
public final class Agent {
    private Agent() {}

    private static final String[] SERVLETS = {"jakarta.servlet.http.HttpServlet", "javax.servlet.http.HttpServlet"};

    /** The JDK classes with hooks. */
    private static final String[] JDK_SINKS = {
        "java.lang.ProcessBuilder", "java.io.FileInputStream", "java.io.FileOutputStream", "java.io.RandomAccessFile",
        "java.nio.file.Files", "java.net.URL", "java.net.Socket", "sun.nio.ch.SocketChannelImpl",
        "jdk.internal.net.http.HttpClientImpl", "jdk.internal.net.http.HttpClientFacade",
    };

    /**
     * Names of the methods hooked in classes other than the named JDK ones: a class that
     * declares none of them (nearly every class an application loads) is passed over after
     * one look at its method names, before any hook's matcher reads its type hierarchy.
     */
    private static final String[] HOOKED_METHODS = {
        "service", "read", "sendRedirect", "setHeader", "addHeader", "execute", "executeQuery", "executeUpdate",
        "executeLargeUpdate", "addBatch", "prepareStatement", "prepareCall", "send", "sendAsync",
    };

    /**
     * @param atStartup from {@code premain}: only JDK classes are loaded yet, so only the
     *     hooked ones among them are retransformed instead of matching every loaded class
     */
    public static void install(String args, Instrumentation inst, boolean atStartup) {
        long started = System.nanoTime();
        Engine engine = Engine.fromEnv();
        if (engine.mode().equals("off")) {
            return;
        }
        Hooks.engine = engine;
        Hooks.failClosed = engine.failClosed();
        Hooks.inspectsPayloads = engine.action(dev.rampart.Threat.MALICIOUS_PAYLOAD) != dev.rampart.Action.ALLOW;
        readableFromJdk(inst);

        AgentBuilder.RedefinitionListenable.WithoutBatchStrategy retransform = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION);
        AgentBuilder builder = atStartup
                ? retransform.with(LoadedSinks.INSTANCE)
                : retransform;
        builder = builder
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(AgentBuilder.TypeStrategy.Default.REDEFINE)
                .with(new Failures())
                // Matching by super type reads every loaded class's ancestors: keep what was
                // read per class loader instead of parsing the same class files again.
                .with(new AgentBuilder.PoolStrategy.WithTypePoolCache.Simple(
                        new java.util.concurrent.ConcurrentHashMap<>()))
                .with(AgentBuilder.DescriptionStrategy.Default.POOL_FIRST)
                // The default ignores the JDK's own classes, where the file, process and
                // socket sinks are; of the JDK only those are looked at (matching every
                // JDK class against the hooks would cost seconds at start-up).
                .ignore(nameStartsWith("dev.rampart.agent.").or(nameStartsWith("dev.rampart.shaded."))
                        .or(nameMatches("dev\\.rampart\\.[^.]+")).or(nameStartsWith("net.bytebuddy."))
                        .or(isSynthetic())
                        .or(nameStartsWith("java.").or(nameStartsWith("jdk."))
                                .or(nameStartsWith("sun.")).or(nameStartsWith("com.sun."))
                                .and(not(namedOneOf(JDK_SINKS))))
                        .or(not(namedOneOf(JDK_SINKS)).and(not(namedOneOf(SERVLETS)))
                                .and(not(declaresMethod(namedOneOf(HOOKED_METHODS))))));

        // javax.servlet and jakarta.servlet share each hook: one hierarchy walk per class.
        builder = hook(builder, namedOneOf(SERVLETS),
                Advices.Service.class, named("service").and(takesArguments(2))
                        .and(takesArgument(0, namedOneOf("jakarta.servlet.ServletRequest", "javax.servlet.ServletRequest"))));
        builder = hook(builder, concrete("jakarta.servlet.ServletInputStream", "javax.servlet.ServletInputStream"),
                Advices.BodyRead.class, named("read").and(takesArguments(3)).and(takesArgument(0, byte[].class)));
        ElementMatcher.Junction<TypeDescription> responses =
                concrete("jakarta.servlet.http.HttpServletResponse", "javax.servlet.http.HttpServletResponse");
        builder = hook(builder, responses, Advices.Redirect.class,
                named("sendRedirect").and(takesArgument(0, String.class)));
        builder = hook(builder, responses, Advices.Header.class,
                namedOneOf("setHeader", "addHeader").and(takesArguments(String.class, String.class)));

        // A driver may declare the methods in a base class that is not itself a Statement
        // (sqlite-jdbc's JDBC3Statement): the JDBC signature finds those too.
        builder = hook(builder, concrete("java.sql.Statement").or(declaresMethod(named("executeQuery")
                .and(takesArguments(String.class)).and(returns(named("java.sql.ResultSet"))))),
                Advices.StatementSql.class,
                namedOneOf("execute", "executeQuery", "executeUpdate", "executeLargeUpdate", "addBatch")
                        .and(takesArgument(0, String.class)));
        builder = hook(builder, concrete("java.sql.Connection").or(declaresMethod(named("prepareStatement")
                .and(takesArguments(String.class)).and(returns(named("java.sql.PreparedStatement"))))),
                Advices.PrepareSql.class,
                namedOneOf("prepareStatement", "prepareCall").and(takesArgument(0, String.class)));

        builder = hook(builder, named("java.lang.ProcessBuilder"), Advices.ProcessStart.class,
                named("start").and(takesArguments(0)));

        builder = hook(builder, namedOneOf("java.io.FileInputStream", "java.io.FileOutputStream",
                "java.io.RandomAccessFile"), Advices.FileOpen.class, isConstructor().and(takesArgument(0, File.class)));
        builder = hook(builder, named("java.nio.file.Files"), Advices.FileOpen.class,
                isStatic().and(takesArgument(0, named("java.nio.file.Path"))).and(namedOneOf("newInputStream",
                        "newOutputStream", "newByteChannel", "newBufferedReader", "newBufferedWriter", "readAllBytes",
                        "readString", "readAllLines", "lines", "write", "writeString", "delete", "deleteIfExists",
                        "copy", "move", "newDirectoryStream", "list", "walk", "createFile", "createDirectory",
                        "createDirectories", "createSymbolicLink", "createLink")));

        builder = hook(builder, named("java.net.URL"), Advices.UrlOpen.class, named("openConnection"));
        builder = hook(builder, concrete("java.net.http.HttpClient"), Advices.HttpClientSend.class,
                namedOneOf("send", "sendAsync").and(takesArgument(0, named("java.net.http.HttpRequest"))));
        builder = hook(builder, named("java.net.Socket"), Advices.Connect.class,
                named("connect").and(takesArguments(2)).and(takesArgument(0, named("java.net.SocketAddress"))));
        builder = hook(builder, named("sun.nio.ch.SocketChannelImpl"), Advices.Connect.class,
                named("connect").and(takesArguments(1)).and(takesArgument(0, named("java.net.SocketAddress"))));

        builder.installOn(inst);
        if (Failures.DEBUG) {
            System.err.println("rampart: agent installed in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
    }

    /**
     * The JDK sink classes loaded already (the others are hooked as they load). Looked up
     * when ByteBuddy asks, after its transformer is registered: a class loaded in between
     * is not missed.
     */
    private enum LoadedSinks implements AgentBuilder.RedefinitionStrategy.DiscoveryStrategy {
        INSTANCE;

        @Override
        public Iterable<Iterable<Class<?>>> resolve(Instrumentation inst) {
            Set<String> names = Set.of(JDK_SINKS);
            java.util.List<Class<?>> out = new java.util.ArrayList<>();
            for (Class<?> c : inst.getAllLoadedClasses()) {
                if (names.contains(c.getName())) {
                    out.add(c);
                }
            }
            return java.util.List.of(out);
        }
    }

    /** Classes (not interfaces) that implement or extend one of {@code names}. */
    private static ElementMatcher.Junction<TypeDescription> concrete(String... names) {
        // Abstract classes too: drivers declare the methods in abstract bases
        // (sqlite-jdbc's JDBC3Statement.executeQuery).
        return not(isInterface()).and(not(nameStartsWith("java.lang."))).and(hasSuperType(namedOneOf(names)));
    }

    private static AgentBuilder hook(AgentBuilder builder, ElementMatcher<? super TypeDescription> types,
            Class<?> advice, ElementMatcher<? super MethodDescription> methods) {
        // The advice classes live on the bootstrap class path, which ByteBuddy cannot read
        // class files from; the agent JAR is on the system class path too.
        Advice visitor = Advice.to(advice, ClassFileLocator.ForClassLoader.ofSystemLoader());
        ElementMatcher.Junction<MethodDescription> hooked = not(isAbstract()).and(methods);
        // Advice applies to the methods a class declares: a class that declares none of
        // them is skipped before its type hierarchy is read (most classes, cheaply).
        return builder.type(declaresMethod(hooked).and(types)).transform((b, type, loader, module, domain) ->
                b.visit(visitor.on(hooked)));
    }

    /**
     * The hooked JDK classes call {@link Hooks}, which lives in the bootstrap loader's
     * unnamed module: their modules must read it.
     */
    private static void readableFromJdk(Instrumentation inst) {
        Module agent = Agent.class.getModule();
        for (String name : new String[] {"java.base", "java.net.http", "java.sql"}) {
            ModuleLayer.boot().findModule(name).ifPresent(m -> inst.redefineModule(
                    m, Set.of(agent), Map.of(), Map.of(), Set.of(), Map.of()));
        }
    }

    /** A class that could not be hooked: an error event, and the class runs unhooked. */
    private static final class Failures extends AgentBuilder.Listener.Adapter {
        /** {@code -Drampart.agent.debug=true}: name every class hooked, on stderr. */
        private static final boolean DEBUG = Boolean.getBoolean("rampart.agent.debug");

        @Override
        public void onTransformation(TypeDescription type, ClassLoader classLoader, JavaModule module, boolean loaded,
                net.bytebuddy.dynamic.DynamicType dynamicType) {
            if (DEBUG) {
                System.err.println("rampart: hooked " + type.getName());
            }
        }

        @Override
        public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded,
                Throwable throwable) {
            Hooks.internalError(null, "agent", "hook " + typeName, throwable);
        }
    }
}
