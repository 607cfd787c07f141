package dev.rampart.agent;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.dynamic.scaffold.subclass.ConstructorStrategy;
import net.bytebuddy.implementation.InvocationHandlerAdapter;

/**
 * A body (urlencoded or JSON) read by the agent before the application, so that payload
 * inspection sees it at the start of the request, and handed back to the application intact:
 * {@code service} gets a standard {@code HttpServletRequestWrapper} whose
 * {@code getInputStream}/{@code getReader} replay the body byte for byte and whose
 * {@code getParameter*} include its fields. Without it, reading the form through the
 * servlet API at start would leave an application that reads its body raw (a webhook that
 * checks a signature over it) with an empty stream.
 *
 * <p>The wrapper and stream classes are generated once per servlet API (javax or
 * jakarta, per class loader) in a class loader of their own whose parent is the API's.
 */
final class FormReplay implements InvocationHandler {
    /** Bodies up to this size are read at start; a larger form is only collected at the first sink. */
    static final int MAX_BODY = 1 << 20;

    private static final ClassValue<Types> TYPES = new ClassValue<>() {
        @Override
        protected Types computeValue(Class<?> requestInterface) {
            try {
                return new Types(requestInterface);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("no request wrapper for " + requestInterface.getName(), e);
            }
        }
    };

    /** The generated request wrapper and input stream of one servlet API. */
    private static final class Types {
        final Constructor<?> wrapper;
        final Field wrapperHandler;
        final Constructor<?> stream;
        final Field streamHandler;

        Types(Class<?> requestInterface) throws ReflectiveOperationException {
            String api = requestInterface.getName().substring(0, requestInterface.getName().indexOf(".servlet."));
            ClassLoader loader = requestInterface.getClassLoader();
            Class<?> wrapperBase = Class.forName(api + ".servlet.http.HttpServletRequestWrapper", false, loader);
            Class<?> streamBase = Class.forName(api + ".servlet.ServletInputStream", false, loader);
            Class<?> wrapperType = new ByteBuddy()
                    .subclass(wrapperBase, ConstructorStrategy.Default.IMITATE_SUPER_CLASS_PUBLIC)
                    .name("dev.rampart.agent.generated.FormReplayRequest_" + api)
                    .defineField("rampartReplay", InvocationHandler.class, Visibility.PUBLIC)
                    .method(namedOneOf("getInputStream", "getReader", "getParameter", "getParameterMap",
                            "getParameterNames", "getParameterValues"))
                    .intercept(InvocationHandlerAdapter.toField("rampartReplay"))
                    .make()
                    .load(loader, ClassLoadingStrategy.Default.WRAPPER)
                    .getLoaded();
            Class<?> streamType = new ByteBuddy()
                    .subclass(streamBase)
                    .name("dev.rampart.agent.generated.FormReplayStream_" + api)
                    .defineField("rampartReplay", InvocationHandler.class, Visibility.PUBLIC)
                    .method(isAbstract().or(named("read")).or(named("available")))
                    .intercept(InvocationHandlerAdapter.toField("rampartReplay"))
                    .make()
                    .load(loader, ClassLoadingStrategy.Default.WRAPPER)
                    .getLoaded();
            wrapper = wrapperType.getConstructor(requestInterface);
            wrapperHandler = wrapperType.getField("rampartReplay");
            stream = streamType.getConstructor();
            streamHandler = streamType.getField("rampartReplay");
        }
    }

    private final Types types;
    private final ByteArrayInputStream body;
    private final Charset charset;
    private final Map<String, String[]> parameters;
    private final Map<String, String[]> queryParameters;
    /**
     * What the application asked for first, as a container decides: the fields (then the
     * stream is empty) or the stream (then the fields are the query string's alone).
     */
    private boolean fieldsFirst;
    private boolean streamFirst;
    /** The one stream (and reader) of the request, as the servlet API hands out. */
    private Object stream;
    private BufferedReader reader;

    private FormReplay(Types types, byte[] body, Charset charset, Map<String, String[]> parameters,
            Map<String, String[]> queryParameters) {
        this.types = types;
        this.body = new ByteArrayInputStream(body);
        this.charset = charset;
        this.parameters = parameters;
        this.queryParameters = queryParameters;
    }

    /**
     * The wrapper that hands {@code body} (the whole body, already read from {@code req})
     * back to the application, with, for a {@code form}, the fields the container would
     * have parsed from it after the query string's.
     */
    static Object wrap(Class<?> requestInterface, Object req, Map<String, String[]> queryParameters, byte[] body,
            String encoding, boolean form) throws ReflectiveOperationException {
        Types types = TYPES.get(requestInterface);
        Charset charset = charset(encoding);
        Map<String, String[]> merged = new LinkedHashMap<>(queryParameters);
        String fields = form ? new String(body, charset) : "";
        for (Map.Entry<String, List<String>> field : parse(fields, charset).entrySet()) {
            String[] before = merged.get(field.getKey());
            List<String> all = new ArrayList<>();
            if (before != null) {
                Collections.addAll(all, before);
            }
            all.addAll(field.getValue());
            merged.put(field.getKey(), all.toArray(new String[0]));
        }
        FormReplay replay = new FormReplay(types, body, charset, Collections.unmodifiableMap(merged),
                Collections.unmodifiableMap(new LinkedHashMap<>(queryParameters)));
        Object wrapper = types.wrapper.newInstance(req);
        types.wrapperHandler.set(wrapper, replay);
        return wrapper;
    }

    /**
     * Generates the wrapper classes of this servlet API now: a failure (an error event, the
     * request served unread) must come before the body is read, never after.
     */
    static void prepare(Class<?> requestInterface) {
        TYPES.get(requestInterface);
    }

    /** The request's declared charset; UTF-8 when none or unknown, as containers do for forms. */
    static Charset charset(String encoding) {
        try {
            return encoding == null ? java.nio.charset.StandardCharsets.UTF_8 : Charset.forName(encoding);
        } catch (IllegalArgumentException unknown) {
            return java.nio.charset.StandardCharsets.UTF_8;
        }
    }

    /** The fields of a urlencoded string (a query string), UTF-8. */
    static Map<String, String[]> fields(String encoded) {
        Map<String, String[]> out = new LinkedHashMap<>();
        parse(encoded, java.nio.charset.StandardCharsets.UTF_8).forEach((k, v) -> out.put(k, v.toArray(new String[0])));
        return out;
    }

    private static Map<String, List<String>> parse(String form, Charset charset) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String pair : form.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                out.computeIfAbsent(URLDecoder.decode(key, charset), k -> new ArrayList<>())
                        .add(URLDecoder.decode(value, charset));
            } catch (IllegalArgumentException malformed) {
                // A malformed escape: the field is dropped, as containers drop it.
            }
        }
        return out;
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        if (types.streamHandler.getDeclaringClass().isInstance(self)) {
            return stream(method, args);
        }
        String name = method.getName();
        if (name.startsWith("getParameter")) {
            fieldsFirst |= !streamFirst;
        } else {
            if (!fieldsFirst && !streamFirst) {
                streamFirst = true;
            } else if (fieldsFirst) {
                body.skip(body.available()); // the container parsed it: nothing left to read
            }
        }
        Map<String, String[]> parameters = streamFirst ? queryParameters : this.parameters;
        switch (name) {
            case "getInputStream":
                if (stream == null) {
                    stream = types.stream.newInstance();
                    types.streamHandler.set(stream, this);
                }
                return stream;
            case "getReader":
                if (reader == null) {
                    reader = new BufferedReader(new InputStreamReader(body, charset));
                }
                return reader;
            case "getParameter": {
                String[] values = parameters.get((String) args[0]);
                return values == null || values.length == 0 ? null : values[0];
            }
            case "getParameterValues": {
                String[] values = parameters.get((String) args[0]);
                return values == null ? null : values.clone();
            }
            case "getParameterNames":
                return Collections.enumeration(parameters.keySet());
            case "getParameterMap":
                return parameters;
            default:
                throw new UnsupportedOperationException(method.getName());
        }
    }

    /** The replaying {@code ServletInputStream}'s methods. */
    private Object stream(Method method, Object[] args) throws ReflectiveOperationException {
        switch (method.getName()) {
            case "read":
                if (args == null || args.length == 0) {
                    return body.read();
                }
                byte[] buffer = (byte[]) args[0];
                return args.length == 1 ? body.read(buffer, 0, buffer.length)
                        : body.read(buffer, (Integer) args[1], (Integer) args[2]);
            case "available":
                return body.available();
            case "isFinished":
                return body.available() == 0;
            case "isReady":
                return true;
            case "setReadListener": {
                // Everything is here already: the listener hears so at once.
                Object listener = args[0];
                Class<?> type = method.getParameterTypes()[0];
                if (body.available() > 0) {
                    type.getMethod("onDataAvailable").invoke(listener);
                }
                type.getMethod("onAllDataRead").invoke(listener);
                return null;
            }
            default:
                throw new UnsupportedOperationException(method.getName());
        }
    }
}
